"""Model registry pages: browse versions, promote (a control with step-up).

The gates are checked before anything is asked: a failing version's Promote button is disabled,
and a POST for it is refused (and audited as a refusal) without asking for a code. Admins may
promote anyway with ``override_gates=1``; the step-up reason is then the override's reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from quant.accounts.decorators import control_required
from quant.accounts.stepup import step_up_required
from quant.artifacts import ArtifactCorrupt, ArtifactNotFound
from quant.audit import log_access
from quant.services import access_log_create
from quant.web.htmx import render_htmx
from research.models import ModelVersion
from research.selectors import model_versions
from research.services.registry import (
    PromotionRefused,
    gate_failures,
    gates_for,
    model_version_promote,
)

PROMOTE_PERM = "research.promote_modelversion"
OVERRIDE_PERM = "research.override_promotion_gate"


@log_access("research.models")
def registry(request: HttpRequest) -> HttpResponse:
    versions = list(model_versions())
    rows = [{"v": v, "gates": gates_for(v.kind), "failures": gate_failures(v)} for v in versions]
    context = {"rows": rows, "may_override": request.user.has_perm(OVERRIDE_PERM)}
    return render_htmx(request, "research/models.html", "versions", context)


def _back_to_registry(request: HttpRequest) -> HttpResponse:
    # The confirmation form posts with htmx into a small target: navigate the whole page instead.
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(reverse("research:models"))
    return redirect("research:models")


def _overriding(request: HttpRequest) -> bool:
    return request.POST.get("override_gates") == "1" and request.user.has_perm(OVERRIDE_PERM)


@control_required(PROMOTE_PERM)
@require_POST
def promote(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ModelVersion, pk=pk)
    failures = gate_failures(version)
    if failures and not _overriding(request):
        refusal = "; ".join(failures)
        access_log_create(request=request, action="refused", name="model.promote", obj=version, reason=refusal)
        messages.error(request, f"Promotion of {version} refused: the gate fails ({refusal}). Nothing was changed.")
        return _back_to_registry(request)
    return _promote_confirmed(request, pk=pk)


@step_up_required("model.promote", object_type="research.modelversion")
def _promote_confirmed(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ModelVersion, pk=pk)
    override = _overriding(request) and bool(gate_failures(version))
    try:
        model_version_promote(version=version, user=request.user, override_gates=override)
    except (PromotionRefused, ArtifactCorrupt, ArtifactNotFound) as exc:
        messages.error(request, f"Promotion of {version} refused: {exc}")
        response = _back_to_registry(request)
        response.control_refused = str(exc)  # type: ignore[attr-defined]
        return response
    note = " (gates overridden)" if override else ""
    messages.success(request, f"{version.name} v{version.version} is now in production{note}.")
    return _back_to_registry(request)
