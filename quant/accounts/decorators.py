"""`control_required`: the gate in front of every manual control (halt, retry, kill, ...).

A control needs three things: the permission, an enrolled second factor, and a session that
passed the 2FA step. Decorated views are registered in ``CONTROL_VIEWS`` so the URL-walk test
can check every one of them without a hand-kept list.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import trigger_client_event

from quant.accounts.devices import is_enrolled

logger = logging.getLogger("quantdesk.security")

ViewFunc = Callable[..., HttpResponse]
CONTROL_VIEWS: dict[str, str] = {}  # "module.qualname" -> permission
REFUSALS = {
    "permission": "Not allowed: your role does not include this control.",
    "not_enrolled": "Enrol two-factor authentication at your profile (/accounts/profile/) to use controls.",
    "not_verified": "Verify your session with your authenticator code before using controls.",
}


def control_denial(user: Any, perm: str) -> str | None:
    """Why ``user`` may not use a control needing ``perm``, or None when allowed."""
    if not user.is_authenticated or not user.has_perm(perm):
        return "permission"
    if not is_enrolled(user):
        return "not_enrolled"
    if not user.is_verified():
        return "not_verified"
    return None


def control_required(perm: str) -> Callable[[ViewFunc], ViewFunc]:
    """403 (full page, or a fragment for HTMX) unless the user may operate this control."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            problem = control_denial(request.user, perm)
            if problem is None:
                return view(request, *args, **kwargs)
            logger.warning(
                "control refused (%s): %s %s perm=%s user=%s ip=%s",
                problem,
                request.method,
                request.path,
                perm,
                getattr(request.user, "pk", None),
                request.META.get("REMOTE_ADDR"),
            )
            context = {"problem": problem, "perm": perm}
            if not getattr(request, "htmx", False):
                return render(request, "quant/account_control_refused.html", context, status=403)
            response = render(request, "components/control_refused.html", context, status=403)
            # htmx does not swap 4xx bodies by default: the toast event always reaches the user.
            return trigger_client_event(response, "toast", {"level": "error", "message": REFUSALS[problem]})

        wrapped.control_permission = perm  # type: ignore[attr-defined]
        CONTROL_VIEWS[f"{view.__module__}.{view.__qualname__}"] = perm
        return wrapped

    return decorator
