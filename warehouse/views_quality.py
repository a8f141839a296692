"""Data-quality page of a dataset: validation history, anomalies with acknowledgement, trend chart."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from quant.audit import log_access
from quant.web.htmx import render_htmx
from warehouse import storage
from warehouse.datasets import ALL_DATASETS
from warehouse.explorer.engine import QueryFailed
from warehouse.models_explorer import AnomalyAck
from warehouse.quality import quality_report

ACK_PERM = "warehouse.add_anomalyack"
KINDS = ("null_spike", "row_drop", "date_gap")


def _known(name: str) -> None:
    if name not in ALL_DATASETS:
        raise Http404(f"Unknown dataset {name}.")


@require_GET
@log_access("warehouse.quality")
def quality(request: HttpRequest, name: str) -> HttpResponse:
    """Validation history, anomalies (acknowledged or not) and the quality trend of ``name``."""
    _known(name)
    return _page(request, name)


def _page(request: HttpRequest, name: str) -> HttpResponse:
    context: dict[str, object] = {"name": name, "live": storage.current_version(name)}
    try:
        kept, history, found, trend = quality_report(name)
        context.update(versions=kept, history=history, anomalies=found, trend=trend)
    except QueryFailed as exc:
        context["error"] = str(exc)
    return render_htmx(request, "warehouse/quality.html", "anomalies", context)


@permission_required(ACK_PERM, raise_exception=True)
@require_POST
def acknowledge(request: HttpRequest, name: str) -> HttpResponse:
    """Mark an anomaly as looked at (once; a second acknowledgement keeps the first)."""
    _known(name)
    kind, key = request.POST.get("kind", ""), request.POST.get("key", "")[:64]
    if kind not in KINDS or not key:
        return HttpResponse("Unknown anomaly.", status=400)
    note = request.POST.get("note", "")[:500]
    AnomalyAck.objects.get_or_create(dataset=name, kind=kind, key=key, defaults={"note": note, "by": request.user})
    if request.headers.get("HX-Request") == "true":
        return _page(request, name)
    return redirect("warehouse:quality", name=name)
