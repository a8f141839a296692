"""Admin → Users: create, disable/enable, reset 2FA, force a password change; one role, superuser
status and per-strategy grants on one page. Every change goes through console.services (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from console import services
from console.admin_forms import ReasonForm, UserAccessForm, UserCreateForm
from console.selectors import api_keys_list, strategies_all, user_role, user_strategy_grants, users_admin_list
from quant.accounts.decorators import control_required
from quant.accounts.stepup import step_up_required
from quant.audit import log_access
from quant.web.htmx import render_htmx, wants_fragment

User = get_user_model()


def _status(request: HttpRequest, form_ok: bool) -> int:
    # htmx swaps only 2xx answers: a form with errors comes back 200 as a fragment, 400 as a page.
    return 200 if form_ok or wants_fragment(request) else 400


def _list_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    q = request.GET.get("q", "").strip()
    return {"rows": users_admin_list(search=q), "q": q, "create_form": UserCreateForm(), **extra}


@require_GET
@log_access("admin.users")
def users(request: HttpRequest) -> HttpResponse:
    return render_htmx(request, "console/users.html", "users-table", _list_context(request))


@control_required("auth.add_user")
@require_POST
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST)
    created = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.user_create(request=request, username=data["username"], email=data["email"],
                                           role=data["role"], reason=data["reason"])  # fmt: skip
        except services.AdminActionError as exc:
            form.add_error(None, str(exc))
    context = _list_context(request, create_form=UserCreateForm() if created else form, created=created)
    return render_htmx(request, "console/users.html", "user-create", context, status=_status(request, not form.errors))


def _access_form(request: HttpRequest, user: AbstractBaseUser, data: Any = None) -> UserAccessForm:
    grants = user_strategy_grants(user)
    initial = {"role": user_role(user), "is_superuser": user.is_superuser,
               **{f"grant_{pk}": sorted(perms) for pk, perms in grants.items()}}  # fmt: skip
    return UserAccessForm(data, initial=initial, strategies=list(strategies_all()),
                          can_grant_superuser=request.user.is_superuser)  # fmt: skip


def _detail_context(request: HttpRequest, user: AbstractBaseUser, form: UserAccessForm) -> dict[str, Any]:
    return {"subject": user, "role": user_role(user), "form": form, "keys": api_keys_list(user=user),
            "reason_form": ReasonForm()}  # fmt: skip


@require_GET
@log_access("admin.user")
def user_detail(request: HttpRequest, username: str) -> HttpResponse:
    user = get_object_or_404(users_admin_list(), username=username)
    context = _detail_context(request, user, _access_form(request, user))
    return render_htmx(request, "console/user_detail.html", "user-access", context)


def _back(request: HttpRequest, user: AbstractBaseUser) -> HttpResponse:
    url = reverse("console:user_detail", args=[user.get_username()])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _grants_admin(request: HttpRequest, username: str) -> bool:
    user = User.objects.filter(username=username).first()
    superuser = request.POST.get("is_superuser") in ("on", "true", "1")
    return user is not None and services.grants_admin(user, role=request.POST.get("role", ""), superuser=superuser)


@control_required("auth.change_user")
@step_up_required("auth.user_access", when=_grants_admin)
@require_POST
def user_access(request: HttpRequest, username: str) -> HttpResponse:
    user = get_object_or_404(users_admin_list(), username=username)
    form = _access_form(request, user, request.POST)
    if form.is_valid():
        reason = (request.POST.get("step_up_reason") or form.cleaned_data["reason"]).strip()
        try:
            if not reason:
                raise services.AdminActionError("Write why you are changing this user's access.")
            changes = services.user_access_set(request=request, user=user, role=form.cleaned_data["role"],
                                               superuser=form.cleaned_data.get("is_superuser", user.is_superuser),
                                               grants=form.grants(), reason=reason)  # fmt: skip
        except services.AdminActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{user.get_username()}: " + ("; ".join(changes) or "nothing changed"))
            return _back(request, user)
    context = _detail_context(request, user, form)
    return render_htmx(request, "console/user_detail.html", "user-access", context, status=_status(request, False))


ACTIONS = {
    "disable": ("Disabled", lambda r, u, why: services.user_set_active(request=r, user=u, active=False, reason=why)),
    "enable": ("Enabled", lambda r, u, why: services.user_set_active(request=r, user=u, active=True, reason=why)),
    "reset-2fa": ("Removed the authenticator and backup codes of",
                  lambda r, u, why: services.user_reset_2fa(request=r, user=u, reason=why)),
    "force-password": ("A new password is required at the next request of",
                       lambda r, u, why: services.user_require_password_change(request=r, user=u, reason=why)),
}  # fmt: skip
STEP_UP_ACTIONS = frozenset({"disable", "reset-2fa"})  # they lock someone out: a fresh code and a reason


def _needs_code(request: HttpRequest, username: str, action: str) -> bool:
    return action in STEP_UP_ACTIONS


@control_required("auth.change_user")
@step_up_required("auth.user_admin", when=_needs_code)
@require_POST
def user_action(request: HttpRequest, username: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404(f"No user action {action!r}.")
    user = get_object_or_404(users_admin_list(), username=username)
    done, run = ACTIONS[action]
    reason = (request.POST.get("step_up_reason") or request.POST.get("reason") or "").strip()
    try:
        if not reason:
            raise services.AdminActionError("Write why (it is kept in the audit log).")
        run(request, user, reason)
    except services.AdminActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{done} {user.get_username()}.")
    return _back(request, user)
