"""Alert and report pages (alerts, rules and channels, the report archive)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def need(request: HttpRequest, perm: str, what: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(f"Your role may not {what}.")
