"""Authentication events in the access log: login, logout and failed login.

django.contrib.auth sends these signals for every way in (allauth's login form calls Django's
``authenticate``/``login``/``logout``), so one receiver each covers the console, the admin and
allauth. 2FA enrolment and disable are recorded by their views (they have the request).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from quant.services import access_log_create

# Never store what was typed as a password; only the name the person tried.
_LOGIN_FIELDS = ("username", "login", "email")


def _from_a_page(request: HttpRequest | None) -> bool:
    """A request that reached a view. The test client's login()/force_login() and scripts call
    the signals with a bare HttpRequest: nobody signed in at a page, so nothing is recorded."""
    return request is not None and getattr(request, "resolver_match", None) is not None


def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and _from_a_page(request):
        request.user = user  # django.contrib.auth.login sets it too; force_login in tests may not
        access_log_create(request=request, action="auth", name="auth.login", obj=user)


def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and user is not None and _from_a_page(request):
        request.user = user  # logout() has already replaced it with AnonymousUser
        access_log_create(request=request, action="auth", name="auth.logout", obj=user)


def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is None or not _from_a_page(request):
        return
    tried = next((str(credentials[f]) for f in _LOGIN_FIELDS if credentials.get(f)), "")
    access_log_create(request=request, action="auth", name="auth.login_failed", reason=f"tried: {tried[:150]}")


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="quant.audit.logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="quant.audit.logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="quant.audit.login_failed")
