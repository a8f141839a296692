"""/accounts/: allauth's account pages, the 2FA step and the profile (enrolment) pages.

allauth marks many of its views ``login_not_required`` (sign-up, e-mail confirmation, login by
code, ...). Only the pages in ``ANONYMOUS_URL_NAMES`` stay open to anonymous users; every other
allauth view is re-wrapped so LoginRequiredMiddleware applies to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from allauth.account import urls as allauth_urls
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from quant.accounts import views as account

ANONYMOUS_URL_NAMES = frozenset(
    {
        "account_login",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
    }
)


def _login_required_again(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, **kwargs)

    wrapped.login_required = True  # type: ignore[attr-defined]  # undo allauth's login_not_required
    return wrapped


def _allauth_patterns() -> list[URLPattern | URLResolver]:
    patterns: list[URLPattern | URLResolver] = []
    for pattern in allauth_urls.urlpatterns:
        if isinstance(pattern, URLPattern) and pattern.name not in ANONYMOUS_URL_NAMES:
            pattern = URLPattern(
                pattern.pattern, _login_required_again(pattern.callback), pattern.default_args, pattern.name
            )
        patterns.append(pattern)
    return patterns


urlpatterns = [
    path("2fa/verify/", account.otp_verify, name="otp_verify"),
    path("profile/", account.profile, name="account_profile"),
    path("profile/2fa/start/", account.totp_start, name="account_totp_start"),
    path("profile/2fa/confirm/", account.totp_confirm, name="account_totp_confirm"),
    path("profile/2fa/backup-codes/", account.backup_codes, name="account_backup_codes"),
    path("profile/2fa/disable/", account.twofa_disable, name="account_2fa_disable"),
    *_allauth_patterns(),
]
