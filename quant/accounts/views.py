"""Account pages: the 2FA step after the password, and 2FA enrolment on the profile page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from quant.accounts import devices
from quant.accounts.forms import OTPTokenForm
from quant.accounts.selectors import two_factor_state
from quant.accounts.stepup import step_up_required
from quant.services import access_log_create


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _failure(outcome: devices.VerifyOutcome) -> str:
    return outcome.failure_message(
        invalid="That code is not valid. Use the current code from your app or an unused backup code."
    )


@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.user.is_verified() or not devices.is_enrolled(request.user):
        return redirect(next_url)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = devices.verify_code(request=request, token=form.cleaned_data["otp_token"], purpose="login")
        if outcome.ok:
            return redirect(next_url)
        form.add_error("otp_token", _failure(outcome))
    return render(request, "otp/verify.html", {"form": form, "next": next_url})


def _profile(request: HttpRequest, **extra: object) -> HttpResponse:
    context = {"state": two_factor_state(request), "form": OTPTokenForm(), **extra}
    return render(request, "quant/account_profile.html", context)


@require_http_methods(["GET"])
def profile(request: HttpRequest) -> HttpResponse:
    return _profile(request)


def _enrolled(request: HttpRequest, *args: object, **kwargs: object) -> bool:
    return devices.is_enrolled(request.user)


# Replacing the authenticator or minting backup codes hands the account's second factor to
# whoever holds the session: an enrolled user proves it with a current code from the device.
@step_up_required("account.2fa_replace", object_type="auth.user", when=_enrolled)
@require_POST
def totp_start(request: HttpRequest) -> HttpResponse:
    devices.totp_enrolment_start(user=request.user)
    return redirect(f"{reverse('account_profile')}#account-2fa")


@require_POST
def totp_confirm(request: HttpRequest) -> HttpResponse:
    pending = devices.pending_totp(request.user)
    form = OTPTokenForm(request.POST)
    if pending is None:
        messages.error(request, "Start the set-up first: there is no pending authenticator.")
        return redirect("account_profile")
    if form.is_valid():
        outcome = devices.totp_enrolment_confirm(request=request, device=pending, token=form.cleaned_data["otp_token"])
        if outcome.ok:
            access_log_create(request=request, action="auth", name="auth.2fa_enrolled", obj=request.user)
            codes = devices.backup_codes_generate(user=request.user)
            messages.success(request, "Two-factor authentication is on.")
            return _profile(request, backup_codes=codes)
        form.add_error("otp_token", _failure(outcome))
    return _profile(request, form=form)


@step_up_required("account.backup_codes", object_type="auth.user", when=_enrolled)
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    if not devices.is_enrolled(request.user):
        messages.error(request, "Set up an authenticator app before creating backup codes.")
        return redirect("account_profile")
    return _profile(request, backup_codes=devices.backup_codes_generate(user=request.user))


@step_up_required("account.2fa_disable", object_type="auth.user")
@require_POST
def twofa_disable(request: HttpRequest) -> HttpResponse:
    devices.second_factor_disable(user=request.user)
    access_log_create(request=request, action="auth", name="auth.2fa_disabled", obj=request.user)
    messages.success(request, "Two-factor authentication is off. Operators cannot use controls until they enrol.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("account_profile"))
    return redirect("account_profile")
