"""The Django admin behind the same login and 2FA step as the console.

`OTPAdminSite.has_permission` only admits active staff whose session is OTP-verified. Its own
login form is replaced by the console login (allauth + the 2FA step) so there is one way in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.admin import OTPAdminSite


class QuantdeskAdminSite(OTPAdminSite):
    site_header = "Quantdesk administration"
    site_title = "Quantdesk admin"

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # Not login_not_required: LoginRequiredMiddleware already sends anonymous users to the
        # console login, so this only ever sees authenticated users.
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = ""
        target = target or reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(target, resolve_url(settings.LOGIN_URL))
        if self.has_permission(request):
            return HttpResponseRedirect(target)
        return render(request, "otp/admin_refused.html", {"enrol_url": reverse("account_profile")}, status=403)


def install() -> None:
    """Turn the default ``admin.site`` into the OTP-protected site (called from QuantConfig.ready)."""
    from django.contrib import admin

    if not isinstance(admin.site, QuantdeskAdminSite):
        admin.site.__class__ = QuantdeskAdminSite
