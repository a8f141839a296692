"""Admin → API keys: issue a read-only key for a user (shown once), list and revoke keys."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from console import services
from console.admin_forms import ApiKeyCreateForm, ReasonForm
from console.models import ApiKey
from console.selectors import api_keys_list
from quant.accounts.decorators import control_required
from quant.audit import log_access
from quant.web.htmx import render_htmx, wants_fragment


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    form = ApiKeyCreateForm(initial={"user": request.GET.get("user")} if request.GET.get("user") else None)
    return {"keys": api_keys_list(), "create_form": form, "reason_form": ReasonForm(), **extra}


@require_GET
@log_access("admin.api_keys")
def api_keys(request: HttpRequest) -> HttpResponse:
    return render_htmx(request, "console/api_keys.html", "apikey-create", _context(request))


@control_required("auth.change_user")
@require_POST
def api_key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST)
    issued = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.api_key_create(request=request, user=data["user"], name=data["name"],
                                             scopes=data["scopes"], expires_on=data["expires_on"],
                                             reason=data["reason"])  # fmt: skip
        except services.AdminActionError as exc:
            form.add_error(None, str(exc))
    context = _context(request, issued=issued, **({} if issued else {"create_form": form}))
    status = 200 if issued or wants_fragment(request) else 400
    return render_htmx(request, "console/api_keys.html", "apikey-create", context, status=status)


@control_required("auth.change_user")
@require_POST
def api_key_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    key = get_object_or_404(ApiKey.objects.select_related("user"), prefix=prefix)
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.api_key_revoke(request=request, key=key, reason=form.cleaned_data["reason"])
        messages.success(request, f"Key {key.prefix} of {key.user.get_username()} is revoked.")
    else:
        messages.error(request, "Write why you are revoking the key (it is kept in the audit log).")
    url = reverse("console:api_keys")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
