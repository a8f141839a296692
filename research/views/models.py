"""Model registry pages: browse versions, promote (a control with step-up)."""

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


@log_access("research.models")
def registry(request: HttpRequest) -> HttpResponse:
    versions = list(model_versions())
    rows = [{"v": v, "gates": gates_for(v.kind), "failures": gate_failures(v)} for v in versions]
    return render_htmx(request, "research/models.html", "versions", {"rows": rows})


@control_required(PROMOTE_PERM)
@step_up_required("model.promote", object_type="research.modelversion")
@require_POST
def promote(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ModelVersion, pk=pk)
    try:
        model_version_promote(version=version, user=request.user)
    except (PromotionRefused, ArtifactCorrupt, ArtifactNotFound) as exc:
        messages.error(request, f"Promotion of {version} refused: {exc}")
    else:
        messages.success(request, f"{version.name} v{version.version} is now in production.")
    # The confirmation form posts with htmx into a small target: navigate the whole page instead.
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(reverse("research:models"))
    return redirect("research:models")
