"""Event-study builder (events, model, windows → CAR chart with a confidence band and the tests)
and the PEAD page (drift by SUE decile on the warehouse, computed as a job)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from quant.audit import log_access
from quant.models import Job
from quant.web.htmx import render_htmx
from research.analytics.events import MODELS
from research.io import InputError
from research.services import event_pages as pages
from research.services.pead import KIND as PEAD_KIND
from research.services.pead import pead_key, pead_latest, pead_queue, pead_versions

MODEL_LABELS = {"market": "Market model (OLS α + β·Rm)", "mean": "Mean-adjusted",
                "market_adj": "Market-adjusted (R − Rm)", "ff3": "Fama–French 3", "ff5": "Fama–French 5"}  # fmt: skip


class EventStudyForm(forms.Form):
    source = forms.ChoiceField(choices=[("sue", "Earnings announcements of one SUE decile (warehouse)"),
                                        ("add", "Index additions (demo membership table)"),
                                        ("delete", "Index deletions (demo membership table)"),
                                        ("list", "My events (permno,date per line)")], initial="sue")  # fmt: skip
    decile = forms.IntegerField(min_value=1, max_value=10, initial=10, required=False)
    events = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "placeholder": "10001,2023-05-02"}),
                             required=False)  # fmt: skip
    model = forms.ChoiceField(choices=[(m, MODEL_LABELS[m]) for m in MODELS], initial="market")
    estimation = forms.CharField(initial="-250,-30", max_length=20, help_text="sessions, low,high")
    window = forms.CharField(initial="-1,1", max_length=20, help_text="sessions, low,high")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") == "list" and not (data.get("events") or "").strip():
            self.add_error("events", "Enter one event per line: permno,YYYY-MM-DD.")
        if data.get("source") == "sue" and not data.get("decile"):
            self.add_error("decile", "Pick a decile from 1 (worst surprise) to 10 (best).")
        return data


@require_GET
@log_access("research.event_study")
def event_study(request: HttpRequest) -> HttpResponse:
    submitted = "model" in request.GET
    form = EventStudyForm(request.GET if submitted else None)
    context: dict[str, Any] = {"form": form, "submitted": submitted}
    if submitted and form.is_valid():
        try:
            context["result"] = pages.event_study_context(form.cleaned_data)
        except (InputError, ValueError) as exc:
            context["error"] = str(exc)
    return render_htmx(request, "research/event_study.html", "result", context)


def _pead_job() -> Job | None:
    try:
        key = pead_key(pead_versions())
    except InputError:
        return None
    return Job.objects.filter(kind=PEAD_KIND, idempotency_key=key).order_by("-created_at").first()


@require_GET
@log_access("research.pead")
def pead(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"job": _pead_job(), "sync_command": "python manage.py warehouse_sync --source demo"}
    try:
        pead_versions()
    except InputError as exc:
        context["missing"] = str(exc)
    else:
        result = pead_latest()
        context["result"] = pages.pead_context(result) if result is not None else None
    return render_htmx(request, "research/pead.html", "pead", context)


@permission_required("research.add_signalreport", raise_exception=True)
@require_POST
def pead_refresh(request: HttpRequest) -> HttpResponse:
    """Queue the PEAD job for the current warehouse (an existing live job is reused)."""
    try:
        job = pead_queue(requested_by=request.user)
    except (InputError, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"PEAD job #{job.pk}: {job.message or job.status}.")
    return redirect("research:pead")
