"""After the password, an enrolled user must pass the 2FA step before any other page; every page
needs a role permission (deny by default)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import ResolverMatch, URLPattern, reverse

from quant.accounts.devices import is_enrolled
from quant.accounts.roles import ADMIN_SITE, SIGNED_IN, page_permission

logger = logging.getLogger("quantdesk.security")

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


@functools.cache
def _account_page_names() -> frozenset[str]:
    """Names of the /accounts/ pages (login, profile, 2FA enrolment, password): a user's own pages."""
    from quant.accounts.urls import urlpatterns

    return frozenset(p.name for p in urlpatterns if isinstance(p, URLPattern) and p.name)


def required_page_permission(match: ResolverMatch) -> str | None:
    """What the page behind ``match`` needs (`roles.PAGE_PERMISSIONS`); None: no entry, refused."""
    if not match.namespace and match.url_name in _account_page_names():
        return SIGNED_IN
    return page_permission(match.view_name, match.namespace)


class PagePermissionMiddleware:
    """Deny by default: a signed-in user opens a page only when their role grants its permission.

    Goes after the authentication, LoginRequired and OTP middlewares: anonymous users are sent to
    the login page by LoginRequiredMiddleware before this runs; views marked ``login_not_required``
    (login, password reset, the liveness probe) are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        match = request.resolver_match
        if user is None or not user.is_authenticated or match is None:
            return None
        if not getattr(view_func, "login_required", True):
            return None
        needed = required_page_permission(match)
        if needed in (SIGNED_IN, ADMIN_SITE):
            return None
        if needed is None or not user.has_perm(needed):
            logger.warning(
                "page refused: %s %s needs %s user=%s", request.method, request.path, needed or "(no entry)", user.pk
            )
            raise PermissionDenied("Your role does not include this page.")
        return None


SESSION_TOUCHED_KEY = "_touched"


class SlidingSessionMiddleware:
    """Sliding session expiry without a database write on every request.

    ``SESSION_SAVE_EVERY_REQUEST`` wrote (BEGIN, UPDATE, COMMIT) the session row on every page
    view, and concurrent requests of one session queued on that row's lock. Here the session is
    saved (pushing its expiry to now + ``SESSION_COOKIE_AGE``) only when the last save is older
    than ``SESSION_REFRESH_SECONDS``, so the inactivity timeout holds to within that many seconds.
    Goes right after ``SessionMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or response.status_code >= 500:
            return response
        now = int(time.time())
        touched = session.get(SESSION_TOUCHED_KEY, 0)
        if session.modified or now - touched >= settings.SESSION_REFRESH_SECONDS:
            session[SESSION_TOUCHED_KEY] = now  # marks it modified: SessionMiddleware saves it
        return response
