"""Request latency recorder (P50/P95/P99 on the health page)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from console import latency
from console.selectors import password_change_pending
from console.services import password_change_done
from quant.web.latency import maybe_publish

# The health page polls every few seconds and waits on its own checks (a Celery control ping
# always takes its full timeout); counting the monitoring endpoints would skew the percentiles
# they report toward themselves.
UNRECORDED_VIEWS = frozenset({"console:health", "console:liveness"})


class RequestLatencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in UNRECORDED_VIEWS:
            return response
        if not request.path.startswith("/static/"):
            latency.record(elapsed_ms)
            maybe_publish(latency.percentiles)  # every 15 s: other processes (alerts) read it
        return response


class PasswordChangeRequiredMiddleware:
    """An admin asked this user for a new password (console.PasswordChangeRequired): until their
    password hash changes, every page but the password page, the 2FA step and logging out sends
    them to the password page. Goes after the authentication and 2FA-step middlewares."""

    ALLOWED_URL_NAMES = frozenset({"account_change_password", "account_logout", "otp_verify", "liveness"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, args: tuple, kwargs: dict) -> HttpResponse | None:
        user = getattr(request, "user", None)
        match = request.resolver_match
        if user is None or not user.is_authenticated or match is None or match.url_name in self.ALLOWED_URL_NAMES:
            return None
        if not getattr(view_func, "login_required", True):
            return None  # the login page, the JSON API (keys, not sessions), the liveness probe
        pending = password_change_pending(user)
        if not pending:
            return None
        if pending != user.password:
            password_change_done(user=user)
            return None
        messages.warning(request, "An administrator asked you to choose a new password before continuing.")
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("account_change_password")
            return response
        return redirect("account_change_password")
