"""A saved performance report (stored by ``perf_report --save``): the metrics and the equity and
drawdown curves. Only the owner and holders of ``quant.view_all_savedresults`` may open it (404
for anyone else)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from backtests.services.perf_report import PERCENT
from quant.audit import log_access
from quant.models import SavedResult
from quant.saved.selectors import saved_results_visible_to

DATES = {"start", "end", "max_drawdown_peak", "max_drawdown_trough", "max_drawdown_recovery"}
HEADLINE = ("total_return", "annual_return", "annual_volatility", "sharpe_ratio", "max_drawdown", "sortino_ratio")


def _metric_rows(values: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """Every scalar metric with its unit: % for returns and risks (PERCENT), plain numbers otherwise."""
    return [
        {"name": prefix + k, "value": v, "unit": "date" if k in DATES else "%" if k in PERCENT else ""}
        for k, v in values.items()
        if not isinstance(v, dict | list)
    ]


@require_GET
@log_access("backtests.saved_perf_report")
def saved_perf_report(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(saved_results_visible_to(request.user).filter(kind=SavedResult.Kind.PERF_REPORT), pk=pk)
    r = saved.result
    metrics = {k: v for k, v in r.items() if k not in {"file", "notes", "conventions", "benchmark", "chart"}}
    rows = _metric_rows(metrics) + _metric_rows(r["benchmark"] or {}, prefix="benchmark.")
    context = {
        "saved": saved,
        "r": r,
        "headline": [row for row in rows if row["name"] in HEADLINE],
        "rows": rows,
        "chart": r["chart"],
    }
    return render(request, "backtests/saved_perf_report.html", context)
