"""Writes for the core models: access log rows and strategy changes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction
from django.http import HttpRequest
from guardian.shortcuts import assign_perm

from quant.models import AccessLog, Strategy

STRATEGY_OBJECT_PERMS = ("view_strategy", "change_strategy")


def access_log_create(
    *,
    request: HttpRequest,
    action: str,
    name: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    reason: str = "",
) -> AccessLog:
    """Record who did what from where; ``obj`` fills object_type/object_id when given."""
    user = getattr(request, "user", None)
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        user = None
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    return AccessLog.objects.create(
        user=user,
        username=user.get_username() if user is not None else "",
        action=action,
        name=name[:120],
        path=request.get_full_path()[:500],
        method=request.method or "GET",
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        reason=reason,
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


@transaction.atomic
def strategy_create(*, name: str, owner: AbstractBaseUser, description: str = "", status: str = "draft") -> Strategy:
    """Create a strategy; its owner gets view and change permission on it."""
    strategy = Strategy.objects.create(name=name, owner=owner, description=description, status=status)
    for perm in STRATEGY_OBJECT_PERMS:
        assign_perm(perm, owner, strategy)
    return strategy


def strategy_grant(*, strategy: Strategy, user: AbstractBaseUser, change: bool = False) -> None:
    """Let ``user`` see (and with ``change`` also change) one strategy."""
    assign_perm("view_strategy", user, strategy)
    if change:
        assign_perm("change_strategy", user, strategy)


def strategy_set_status(*, strategy: Strategy, status: str) -> Strategy:
    """Move a strategy to ``status`` (one of Strategy.Status)."""
    if status not in Strategy.Status.values:
        raise ValueError(f"Unknown strategy status {status!r}; choose one of {Strategy.Status.values}.")
    strategy.status = status
    strategy.save(update_fields=["status", "updated"])
    return strategy
