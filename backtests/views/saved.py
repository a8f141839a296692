"""A saved performance report (stored by ``perf_report --save``): the metrics and the equity and
drawdown curves. Only the owner and holders of ``quant.view_all_savedresults`` may open it (404
for anyone else)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from backtests.analytics.metrics import BenchmarkSummary, PerformanceSummary
from backtests.services.perf_report import PERCENT
from quant.audit import log_access
from quant.models import SavedResult
from quant.saved.selectors import saved_results_visible_to

DATES = {"start", "end", "max_drawdown_peak", "max_drawdown_trough", "max_drawdown_recovery"}
COUNTS = {"n_obs", "n_missing", "n_aligned"}
HEADLINE = {
    "total_return": "Total return",
    "annual_return": "Annual return",
    "annual_volatility": "Annual volatility",
    "sharpe_ratio": "Sharpe ratio",
    "sortino_ratio": "Sortino ratio",
    "max_drawdown": "Max drawdown",
}


def _unit(name: str) -> str:
    return "date" if name in DATES else "n" if name in COUNTS else "%" if name in PERCENT else ""


def _metric_rows(values: dict[str, Any], names: list[str], prefix: str = "") -> list[dict[str, Any]]:
    """Every scalar metric in the summary's own order (JSON columns do not keep key order), with its
    unit: % for returns and risks (PERCENT), dates, counts, plain ratios otherwise."""
    return [{"name": prefix + k, "value": values.get(k), "unit": _unit(k)} for k in names if k in values]


@require_GET
@log_access("backtests.saved_perf_report")
def saved_perf_report(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(saved_results_visible_to(request.user).filter(kind=SavedResult.Kind.PERF_REPORT), pk=pk)
    r = saved.result
    scalar = [f.name for f in fields(PerformanceSummary) if f.name not in {"benchmark", "conventions"}]
    rows = _metric_rows(r, scalar) + _metric_rows(
        r["benchmark"] or {}, [f.name for f in fields(BenchmarkSummary)], prefix="benchmark."
    )
    context = {
        "saved": saved,
        "r": r,
        "headline": [{"label": label, "value": r.get(k), "unit": _unit(k)} for k, label in HEADLINE.items()],
        "rows": rows,
        "conventions": sorted(r["conventions"].items()),
        "chart": r["chart"],
    }
    return render(request, "backtests/saved_perf_report.html", context)
