"""Reads of saved results: who may open which, and the owner a command names."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from quant.models import SavedResult

VIEW_ALL = "quant.view_all_savedresults"


def saved_results_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[SavedResult]:
    """Saved results ``user`` may open: their own, or every one with ``quant.view_all_savedresults``."""
    rows = SavedResult.objects.select_related("owner")
    if not user.is_authenticated:
        return rows.none()
    if user.has_perm(VIEW_ALL):
        return rows
    return rows.filter(owner=user)


def saved_results_listed(
    user: AbstractBaseUser | AnonymousUser, *, kind: str = "", everyone: bool = False
) -> QuerySet[SavedResult]:
    """The "My saved results" list, newest first: ``user``'s own, or (``everyone``) all they may open;
    only those of ``kind`` when given."""
    rows = saved_results_visible_to(user)
    if not everyone and user.is_authenticated:
        rows = rows.filter(owner=user)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.defer("result", "params").order_by("-created_at", "-id")


def active_user(username: str) -> AbstractBaseUser | None:
    """The active user called ``username`` (None when there is none)."""
    model = get_user_model()
    return model.objects.filter(**{model.USERNAME_FIELD: username}, is_active=True).first()
