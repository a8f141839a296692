"""Risk console pages: dashboard (tiles), exposure heatmap with drill-down, rebuild control."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from quant.accounts.decorators import control_required
from quant.audit import log_access
from quant.models import Job
from quant.services import access_log_create
from quant.web.htmx import render_htmx, wants_fragment
from risk import selectors
from risk.models import Portfolio
from risk.services.jobs import risk_rebuild_queue, warehouse_last_date
from risk.services.reports import factor_label, parse_shocks

TILES = ("exposures", "decomposition", "var", "stress", "budget", "bias")
DEFAULT_TE_BUDGET = 0.05  # annual tracking-error budget (decimal) shown on the dashboard


class RiskParams(forms.Form):
    portfolio = forms.IntegerField(required=False)
    confidence = forms.TypedChoiceField(choices=[("0.95", "95 %"), ("0.99", "99 %")], coerce=float, required=False)
    horizon = forms.TypedChoiceField(choices=[("1", "1 day"), ("10", "10 days")], coerce=int, required=False)
    budget = forms.FloatField(min_value=0.001, max_value=0.5, required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
    shocks = forms.CharField(required=False, max_length=300)

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("start")) != bool(data.get("end")):
            raise forms.ValidationError("A custom stress window needs both a start and an end date.")
        if data.get("start") and data["start"] > data["end"]:
            raise forms.ValidationError("The custom stress window starts after it ends.")
        return data


def _shocks(form: RiskParams, run: object) -> dict[str, float]:
    """The custom hypothetical shock of the form, validated against the model's factors."""
    text = form.cleaned_data.get("shocks") if form.is_valid() else ""
    if not text or run is None:
        return {}
    try:
        return parse_shocks(text, list(run.summary["factors"]))  # type: ignore[attr-defined]
    except ValueError as exc:
        form.add_error("shocks", str(exc))
        return {}


def _context(request: HttpRequest) -> dict:
    form = RiskParams({"confidence": "0.99", "horizon": "1", **request.GET.dict()})
    params = form.cleaned_data if form.is_valid() else {}
    model = selectors.dashboard_model()
    run = model.run
    portfolios = list(selectors.portfolios())
    chosen = next((p for p in portfolios if p.pk == params.get("portfolio")), portfolios[0] if portfolios else None)
    recent = list(selectors.recent_runs())
    try:
        as_of = warehouse_last_date().isoformat()
    except FileNotFoundError:
        as_of = "<YYYY-MM-DD>"
    return {"form": form, "run": run, "portfolios": portfolios, "portfolio": chosen, "as_of_hint": as_of,
            "confidence": params.get("confidence") or 0.99, "horizon": params.get("horizon") or 1,
            "budget": params.get("budget") or DEFAULT_TE_BUDGET,
            "window": (params["start"], params["end"]) if params.get("start") else None,
            "query": request.GET.urlencode(), "tiles": TILES, "runs": recent,
            "shocks": _shocks(form, run), "production": model.production, "model_note": model.note}  # fmt: skip


@require_GET
@log_access("risk.dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    ctx = _context(request)
    return render_htmx(request, "risk/dashboard.html", "risk-portfolio", ctx)


@require_GET
@log_access("risk.dashboard.runs", part_of_page=True)
def runs(request: HttpRequest) -> HttpResponse:
    """Recent builds; each running build's progress partial polls its own job."""
    ctx = _context(request)
    return render_htmx(request, "risk/dashboard.html", "risk-runs", ctx)


@require_GET
@log_access("risk.dashboard.tile", part_of_page=True)
def tile(request: HttpRequest, name: str) -> HttpResponse:
    if name not in TILES:
        raise Http404("Unknown tile.")
    ctx = _context(request)
    if name == "bias":
        if ctx["run"] is not None:
            ctx["bias"] = bias = selectors.bias_history(ctx["run"].version)
            ctx["bias_data"] = {"dates": bias.dates, "series": bias.series, "band": bias.band}
            ctx["bias_rows"] = [(factor_label(f), v) for f, v in ctx["run"].summary.get("bias", {}).items()]
        return render_htmx(request, "risk/dashboard.html", "risk-bias", ctx)
    if ctx["run"] is not None and ctx["portfolio"] is not None:
        ctx["report"] = selectors.report_for(
            ctx["run"], ctx["portfolio"], confidence=ctx["confidence"], horizon=ctx["horizon"],
            window=ctx["window"], shocks=ctx["shocks"],
        )  # fmt: skip
        ctx["budget_use"] = ctx["report"].te_annual / ctx["budget"]
    return render_htmx(request, "risk/dashboard.html", f"risk-{name}", ctx)


@require_GET
@log_access("risk.exposures")
def exposures(request: HttpRequest) -> HttpResponse:
    ctx = _heatmap(_context(request))
    return render_htmx(request, "risk/exposures.html", "risk-heatmap", ctx)


def _heatmap(ctx: dict) -> dict:
    run, portfolio = ctx["run"], ctx["portfolio"]
    if run is not None and portfolio is not None:
        hist = selectors.exposure_history(run, portfolio)
        dates = hist.get_column("date").unique().sort().to_list()
        rows = []
        for factor in run.summary["styles"]:
            sub = {r["date"]: r["active"] for r in hist.filter(hist["factor"] == factor).iter_rows(named=True)}
            cells = [{"date": d, "value": sub.get(d), "color": selectors.heat_color(sub.get(d))} for d in dates]
            rows.append({"factor": factor, "cells": cells})
        ctx.update(dates=dates, rows=rows)
    return ctx


@require_GET
@log_access("risk.exposures.drill")
def exposure_drill(request: HttpRequest) -> HttpResponse:
    run = selectors.dashboard_model().run
    if run is None:
        raise Http404("No risk model.")
    portfolio = get_object_or_404(Portfolio, pk=request.GET.get("portfolio"))
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
        stocks = selectors.stock_exposures(run, portfolio, request.GET.get("factor", ""), day)
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    drill = {"portfolio": portfolio, "factor": request.GET["factor"], "date": day, "stocks": stocks.to_dicts()}
    # Opened in a new tab: the whole heatmap page with this drill open under it.
    ctx = drill if wants_fragment(request) else _heatmap(_context(request)) | drill | {"drill_open": True}
    return render_htmx(request, "risk/exposures.html", "risk-drill", ctx)


@require_POST
@control_required("quant.use_controls")
def rebuild(request: HttpRequest) -> HttpResponse:
    try:
        run = risk_rebuild_queue(requested_by=request.user)
    except (FileNotFoundError, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect("risk:dashboard")
    # Who asked, when and why, whatever the outcome (the run row keeps only its first requester).
    reason = request.POST.get("reason", "").strip()[:500]
    access_log_create(request=request, action="control", name="risk.rebuild", obj=run, reason=reason)
    if run.job.status == Job.Status.SUCCEEDED:
        messages.info(request, f"The risk model as of {run.as_of} is already up to date (inputs unchanged).")
    elif run.job.status == Job.Status.RUNNING:
        messages.info(request, f"The risk model as of {run.as_of} is being built right now.")
    else:
        messages.success(request, f"Risk model build as of {run.as_of} queued on 'analytics'.")
    return redirect("risk:dashboard")
