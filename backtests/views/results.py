"""Results of a finished run (charts, trades, CSV), Monte Carlo tile, comparison of runs."""

from __future__ import annotations

from itertools import chain
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from backtests.diagnostics import run_monte_carlo, run_relative
from backtests.forms import MonteCarloForm
from backtests.models import BacktestRun
from backtests.selectors import (
    run_for,
    run_result_data,
    run_trades,
    walkforward_view,
)
from quant.audit import log_access
from quant.io import csv_lines
from quant.models import Job
from quant.web.htmx import render_htmx

TRADES_SHOWN = 50


def results_context(run: BacktestRun) -> dict[str, Any]:
    if run.kind == BacktestRun.Kind.WALK_FORWARD:
        return {"wf": walkforward_view(run), "summary": run.summary}
    return {**run_result_data(run, trades_shown=TRADES_SHOWN), "summary": run.summary}


def visible_run(request: HttpRequest, run_id: int) -> BacktestRun:
    """The run if the user may open it (a strategy's runs follow its grants), else 404."""
    try:
        return run_for(request.user, run_id)
    except BacktestRun.DoesNotExist:
        raise Http404(f"No backtest #{run_id}.") from None


def _succeeded(request: HttpRequest, run_id: int, *, single: bool = False) -> BacktestRun:
    run = visible_run(request, run_id)
    if run.job.status != Job.Status.SUCCEEDED:
        raise Http404(f"Run #{run.pk} has no results ({run.job.status}).")
    if single and run.kind != BacktestRun.Kind.SINGLE:
        raise Http404(f"Run #{run.pk} is a walk-forward: open its candidate runs for trades.")
    return run


@permission_required("backtests.view_backtestrun", raise_exception=True)
@log_access("backtests.results")
def run_results(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _succeeded(request, run_id)
    return render_htmx(request, "backtests/run_detail.html", "results", {"run": run, **results_context(run)})


@permission_required("backtests.view_backtestrun", raise_exception=True)
@log_access("backtests.trades_csv", action="export")
def trades_csv(request: HttpRequest, run_id: int) -> StreamingHttpResponse:
    run = _succeeded(request, run_id, single=True)
    trades = run_trades(run)
    rows = csv_lines(chain([trades.columns], trades.iter_rows()))
    response = StreamingHttpResponse(rows, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="backtest-{run.pk}-trades.csv"'
    return response


@permission_required("backtests.view_backtestrun", raise_exception=True)
@log_access("backtests.montecarlo")
def run_montecarlo(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _succeeded(request, run_id, single=True)
    form = MonteCarloForm.from_query(request.GET)
    # On its own page the settings go to the address bar (the view can be shared); as the run
    # page's tile the form swaps in place and the run page's address stays.
    standalone = not request.htmx or (request.htmx.current_url_abs_path or "").startswith(request.path)
    context: dict[str, Any] = {"run": run, "form": form, "push_url": standalone}
    if form.is_valid():
        data = form.cleaned_data
        try:
            context["mc"] = run_monte_carlo(run, method=data["method"], n_sims=data["paths"], block=data["block"])
        except ValueError as exc:
            context["problem"] = str(exc)
    return render_htmx(request, "backtests/montecarlo.html", "montecarlo", context)


@permission_required("backtests.view_backtestrun", raise_exception=True)
@log_access("backtests.relative")
def run_relative_view(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _succeeded(request, run_id, single=True)
    return render_htmx(request, "backtests/relative.html", "relative", {"run": run, "rel": run_relative(run)})
