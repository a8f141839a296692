"""Backtests of research signals: the runs-and-launch tile on a research signal page, the one-click
launch, and the Fama-French attribution of a finished run."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from backtests.forms import AttributionPeriodForm
from backtests.models import BacktestRun
from backtests.selectors import run_list
from backtests.services.attribution import backtest_attribution, run_return_range
from backtests.services.launch import signal_backtest_create
from backtests.views.results import visible_run
from quant.audit import log_access
from quant.models import Job
from quant.web.htmx import render_htmx
from research.analytics.signals import SIGNALS
from research.io import InputError

RECENT_RUNS = 5
FACTOR_MODELS = ("ff3", "ff5", "ff6")


def _known(name: str) -> str:
    if name not in SIGNALS:
        raise Http404(f"unknown signal {name!r}")
    return name


@permission_required("backtests.view_backtestrun", raise_exception=True)
@require_GET
def signal_runs(request: HttpRequest, name: str) -> HttpResponse:
    """The latest backtests of a research signal and the launch button (a tile the signal page loads)."""
    runs = list(run_list(user=request.user, signal=_known(name))[:RECENT_RUNS])
    context = {"signal": name, "runs": runs}
    return render_htmx(request, "backtests/signal_runs.html", "signal-runs", context)


@permission_required("backtests.add_backtestrun", raise_exception=True)
@require_POST
def signal_backtest(request: HttpRequest, name: str) -> HttpResponse:
    try:
        result = signal_backtest_create(signal=_known(name), owner=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("research:signal", name=name)
    return redirect("backtests:detail", run_id=result.run.pk)


def _attribution_context(
    run: BacktestRun, model: str | None, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, object]:
    try:
        out = backtest_attribution(run=run, model=model, start=start, end=end)
    except (ValueError, InputError, OSError) as exc:
        return {"problem": str(exc)}
    r = out.result
    context: dict[str, object] = {
        "model": out.model,
        "chosen": out.chosen,
        "candidates": out.candidates,
        "result": r,
        "coefs": [("alpha", r.alpha, r.t_stats["alpha"])] + [(k, v, r.t_stats[k]) for k, v in r.betas.items()],
        "chart": {"dates": [d.isoformat() for d in out.rolling["date"]],
                  "series": {c: out.rolling[c].to_list() for c in r.betas}},
        "window": out.window,
        "period": out.period,
    }  # fmt: skip
    if (cond := out.conditional) is not None:
        context["conditional"] = cond
        context["conditional_rows"] = [
            (k, *(x for fit in (cond.up, cond.down) for x in (fit.coefficient(k), fit.t_stats[k])))
            for k in ("alpha", *r.betas)
        ]
    return context


@permission_required("backtests.view_backtestrun", raise_exception=True)
@log_access("backtests.attribution")
def attribution(request: HttpRequest, run_id: int) -> HttpResponse:
    run = visible_run(request, run_id)
    model = request.GET.get("model") or None  # None: the model with the best adjusted R²
    context: dict[str, object] = {"run": run, "model": model, "models": FACTOR_MODELS}
    if run.job.status != Job.Status.SUCCEEDED:
        context["problem"] = f"Backtest #{run.pk} is {run.job.status}: attribution needs a finished run."
    else:
        span = run_return_range(run)
        first, last = span if span else (None, None)
        defaults = {"start": first.isoformat(), "end": last.isoformat()} if first and last else {}
        form = AttributionPeriodForm({**defaults, **request.GET.dict()}, first=first, last=last)
        context["form"] = form
        if form.is_valid():
            context |= _attribution_context(run, model, form.cleaned_data["start"], form.cleaned_data["end"])
        else:
            context["problem"] = " ".join(str(e) for e in form.errors.get("__all__", [])) or "Check the dates."
    return render(request, "backtests/attribution.html", context)
