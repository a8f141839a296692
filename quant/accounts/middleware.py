"""After the password, an enrolled user must pass the 2FA step before any other page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from quant.accounts.devices import is_enrolled

# Reachable before the 2FA step: the step itself and logging out.
EXEMPT_URL_NAMES = frozenset({"otp_verify", "account_logout"})


class OTPVerificationRequiredMiddleware:
    """Redirects an authenticated, enrolled, not-yet-verified session to ``otp_verify``.

    Goes after ``django_otp.middleware.OTPMiddleware`` (which provides ``user.is_verified``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if (match and match.url_name in EXEMPT_URL_NAMES) or request.path.startswith(
            "/" + settings.STATIC_URL.lstrip("/")
        ):
            return None
        if not is_enrolled(user):
            return None
        target = f"{reverse('otp_verify')}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
