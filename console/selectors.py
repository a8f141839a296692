"""Reads of the admin pages: users with their role and 2FA state, per-strategy grants, API keys."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.models import UserObjectPermission

from console.models import ApiKey, PasswordChangeRequired
from quant.accounts.roles import ROLE_PERMISSIONS
from quant.models import Strategy

User = get_user_model()
# The per-strategy grants the users page edits, weakest first (django-guardian object permissions).
GRANT_PERMS = ("view_strategy", "change_strategy", "trade_strategy")


def users_admin_list(*, search: str = "") -> QuerySet:
    """Users by name with ``role_names`` (their role groups), ``enrolled`` and ``must_change_password``."""
    roles = Group.objects.filter(name__in=list(ROLE_PERMISSIONS)).only("name")
    rows = User.objects.annotate(
        enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        must_change_password=Exists(PasswordChangeRequired.objects.filter(user=OuterRef("pk"))),
    ).prefetch_related(Prefetch("groups", queryset=roles, to_attr="role_groups"))
    if search:
        rows = rows.filter(username__icontains=search)
    return rows.order_by("username")


def user_role(user: AbstractBaseUser) -> str:
    """The user's highest role ("" for none)."""
    names = {g.name for g in getattr(user, "role_groups", None) or user.groups.filter(name__in=list(ROLE_PERMISSIONS))}
    return next((r for r in reversed(list(ROLE_PERMISSIONS)) if r in names), "")


def user_strategy_grants(user: AbstractBaseUser) -> dict[int, set[str]]:
    """{strategy id: {codename, ...}} of the grants in GRANT_PERMS ``user`` holds directly (one query)."""
    grants: dict[int, set[str]] = {}
    rows = UserObjectPermission.objects.filter(
        user=user, content_type__app_label="quant", content_type__model="strategy", permission__codename__in=GRANT_PERMS
    ).values_list("object_pk", "permission__codename")
    for object_pk, codename in rows:
        grants.setdefault(int(object_pk), set()).add(codename)
    return grants


def strategies_all() -> QuerySet[Strategy]:
    return Strategy.objects.order_by("name")


def api_keys_list(*, user: AbstractBaseUser | None = None) -> QuerySet[ApiKey]:
    """Every API key (or one user's), newest first, with owner and issuer."""
    rows = ApiKey.objects.select_related("user", "created_by")
    if user is not None:
        rows = rows.filter(user=user)
    return rows.order_by("-created")


PASSWORD_FLAG_CACHE_SECONDS = 300


def password_flag_key(user_pk: object) -> str:
    return f"console:password-change:{user_pk}"


def password_change_pending(user: AbstractBaseUser) -> str:
    """The password hash the user had when an admin asked for a new password ("" when nobody did).

    Asked on every request by the middleware, so it is cached (the services that set and clear
    the flag update the cache): no database query per page view."""
    key = password_flag_key(user.pk)
    cached = cache.get(key)
    if cached is None:
        row = PasswordChangeRequired.objects.filter(user=user).first()
        cached = row.password_hash if row else ""
        cache.set(key, cached, PASSWORD_FLAG_CACHE_SECONDS)
    return str(cached)
