"""Writes of the admin pages: users, roles and per-strategy grants, second factors, API keys.

Every change is written to the access log (``quant.services.access_log_create``) with what it was
before and after; the views pass their request for who/where and a reason.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from console.models import ApiKey, PasswordChangeRequired
from console.selectors import GRANT_PERMS, password_flag_key, user_role, user_strategy_grants
from quant.accounts import devices
from quant.accounts.roles import ROLE_PERMISSIONS
from quant.models import Strategy
from quant.services import access_log_create

User = get_user_model()
TEMP_PASSWORD_BYTES = 12


class AdminActionError(ValueError):
    """An admin action refused (one line, shown to the admin)."""


def _audit(request: HttpRequest, name: str, user: AbstractBaseUser, reason: str, change: str) -> None:
    access_log_create(request=request, action="control", name=name, obj=user, reason=f"{reason} | {change}")


@dataclass(frozen=True)
class CreatedUser:
    user: AbstractBaseUser
    temporary_password: str  # shown once; the user must change it at first sign-in


@transaction.atomic
def user_create(*, request: HttpRequest, username: str, email: str, role: str, reason: str) -> CreatedUser:
    """A new active user with ``role`` and a random temporary password to be changed at first sign-in."""
    if role == "admin":
        raise AdminActionError("Create the user first, then grant the admin role on their page (it needs your code).")
    if User.objects.filter(username__iexact=username).exists():
        raise AdminActionError(f"A user named {username!r} already exists.")
    password = secrets.token_urlsafe(TEMP_PASSWORD_BYTES)
    user = User.objects.create_user(username=username, email=email, password=password)
    if role:
        user.groups.add(Group.objects.get(name=role))
    PasswordChangeRequired.objects.create(user=user, password_hash=user.password, requested_by=request.user)
    cache.delete(password_flag_key(user.pk))
    _audit(request, "auth.user_create", user, reason, f"created with role {role or 'none'}")
    return CreatedUser(user, password)


def _guard(request: HttpRequest, user: AbstractBaseUser) -> None:
    actor = request.user
    if user.is_superuser and not actor.is_superuser:
        raise AdminActionError("Only a superuser can change a superuser account.")


def user_set_active(*, request: HttpRequest, user: AbstractBaseUser, active: bool, reason: str) -> None:
    """Disable (no sign-in; open sessions end at their next request) or enable an account."""
    _guard(request, user)
    if not active and user.pk == request.user.pk:
        raise AdminActionError("You cannot disable your own account.")
    before = user.is_active
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit(request, "auth.user_enable" if active else "auth.user_disable", user, reason, f"active {before} -> {active}")


def user_reset_2fa(*, request: HttpRequest, user: AbstractBaseUser, reason: str) -> int:
    """Remove the user's authenticator and backup codes; they enrol again at their profile."""
    _guard(request, user)
    enrolled = devices.is_enrolled(user)
    removed = devices.second_factor_disable(user=user)
    _audit(request, "auth.2fa_reset", user, reason, f"enrolled {enrolled} -> False ({removed} device(s) removed)")
    return removed


def user_require_password_change(*, request: HttpRequest, user: AbstractBaseUser, reason: str) -> None:
    """At their next request (or sign-in) the user must choose a new password before anything else."""
    _guard(request, user)
    PasswordChangeRequired.objects.update_or_create(
        user=user, defaults={"password_hash": user.password, "requested_by": request.user}
    )
    cache.delete(password_flag_key(user.pk))
    _audit(request, "auth.password_reset_forced", user, reason, "password change required at next sign-in")


def password_change_done(*, user: AbstractBaseUser) -> None:
    """The user chose a new password: lift the requirement."""
    PasswordChangeRequired.objects.filter(user=user).delete()
    cache.delete(password_flag_key(user.pk))


def grants_admin(user: AbstractBaseUser, *, role: str, superuser: bool) -> bool:
    """Would setting ``role``/``superuser`` grant the admin role or superuser status (step-up needed)?"""
    return (role == "admin" and user_role(user) != "admin") or (superuser and not user.is_superuser)


@transaction.atomic
def user_access_set(
    *,
    request: HttpRequest,
    user: AbstractBaseUser,
    role: str,
    superuser: bool,
    grants: dict[int, set[str]],
    reason: str,
) -> list[str]:
    """Set the user's one role, superuser flag and per-strategy grants; returns the changes made
    (each audited as "before -> after")."""
    _guard(request, user)
    if role and role not in ROLE_PERMISSIONS:
        raise AdminActionError(f"Unknown role {role!r}.")
    if superuser != user.is_superuser and not request.user.is_superuser:
        raise AdminActionError("Only a superuser can grant or remove superuser status.")
    if user.pk == request.user.pk and (role != user_role(user) or superuser != user.is_superuser):
        raise AdminActionError("Ask another admin to change your own role.")
    changes: list[str] = []
    before_role = user_role(user)
    if role != before_role:
        user.groups.remove(*Group.objects.filter(name__in=list(ROLE_PERMISSIONS)))
        if role:
            user.groups.add(Group.objects.get(name=role))
        changes.append(f"role {before_role or 'none'} -> {role or 'none'}")
    if superuser != user.is_superuser:
        changes.append(f"superuser {user.is_superuser} -> {superuser}")
        user.is_superuser = superuser
        user.save(update_fields=["is_superuser"])
    changes += _grants_set(user, grants)
    for change in changes:
        name = "auth.grant_admin_role" if change.endswith("-> admin") else "auth.change_access"
        name = "auth.grant_superuser" if change == "superuser False -> True" else name
        _audit(request, name, user, reason, change)
    return changes


def _label(perms: set[str]) -> str:
    return ",".join(p.removesuffix("_strategy") for p in GRANT_PERMS if p in perms) or "none"


def _grants_set(user: AbstractBaseUser, wanted: dict[int, set[str]]) -> list[str]:
    have = user_strategy_grants(user)
    changes = []
    for strategy in Strategy.objects.filter(pk__in=set(have) | set(wanted)).order_by("name"):
        old, new = have.get(strategy.pk, set()), wanted.get(strategy.pk, set()) & set(GRANT_PERMS)
        if "trade_strategy" in new or "change_strategy" in new:
            new = new | {"view_strategy"}  # changing or trading what one cannot see makes no sense
        if old == new:
            continue
        for perm in new - old:
            assign_perm(perm, user, strategy)
        for perm in old - new:
            remove_perm(perm, user, strategy)
        changes.append(f"strategy {strategy.name} (#{strategy.pk}): {_label(old)} -> {_label(new)}")
    return changes


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the whole key, shown once


def api_key_create(
    *, request: HttpRequest, user: AbstractBaseUser, name: str, scopes: list[str], expires_on: dt.date, reason: str
) -> IssuedKey:
    """Issue a read-only API key for ``user``, valid to the end of ``expires_on`` (UTC)."""
    unknown = set(scopes) - set(ApiKey.Scope.values)
    if unknown or not scopes:
        raise AdminActionError(f"Choose at least one scope of {', '.join(ApiKey.Scope.values)}.")
    if expires_on <= timezone.now().date():
        raise AdminActionError("The expiry date must be in the future.")
    if not user.is_active:
        raise AdminActionError("The user is disabled: enable them before issuing a key.")
    expiry = dt.datetime.combine(expires_on, dt.time.max, tzinfo=dt.UTC)
    key, secret = ApiKey.objects.create_key(
        name=name, user=user, scopes=sorted(scopes), expiry_date=expiry, created_by=request.user
    )
    change = f"key {key.prefix} scopes {','.join(key.scopes)} expires {expires_on.isoformat()}"
    _audit(request, "api.key_create", user, reason, change)
    return IssuedKey(key, secret)


def api_key_revoke(*, request: HttpRequest, key: ApiKey, reason: str) -> None:
    if key.revoked:
        return  # a second click: nothing to do
    key.revoked = True
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked", "revoked_at"])
    _audit(request, "api.key_revoke", key.user, reason, f"key {key.prefix} active -> revoked")


def api_key_touch(*, key: ApiKey, ip: str | None) -> None:
    """Record a successful use (one UPDATE, no model save: the library's save() checks revocation)."""
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now(), last_used_ip=ip or None)
