"""Comparison of any mix of strategies and finished backtests, with a blend the user weights.

The URL carries the whole view (``s`` strategy ids, ``ids`` backtest run ids, ``w_<key>`` blend
weights in %, ``window`` and ``metric`` of the rolling chart), so a comparison can be shared.
Backtests show only to users with ``backtests.view_backtestrun``; strategies only when granted.
"""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from backtests.comparison import compare as compare_items
from backtests.comparison import items_for
from backtests.forms_trading import CompareWindowForm
from backtests.selectors import runs_by_ids, runs_visible_to
from quant.audit import log_access
from quant.models import Job
from quant.selectors import strategies_for
from quant.web.htmx import render_htmx

MAX_COMPARED = 6
PICKER_SIZE = 30


def _ids(request: HttpRequest, name: str) -> list[int]:
    return list(dict.fromkeys(int(i) for i in request.GET.getlist(name) if i.isdigit()))


def _weights(request: HttpRequest) -> dict[str, float]:
    """``w_<key>`` in percent -> fractions (blank, unparsable or non-finite values are left out)."""
    weights = {}
    for name, value in request.GET.items():
        if name.startswith("w_") and value.strip():
            try:
                number = float(value)
            except ValueError:
                continue
            if math.isfinite(number):
                weights[name[2:]] = number / 100.0
    return weights


@require_GET
@log_access("backtests.compare")
def compare(request: HttpRequest) -> HttpResponse:
    may_see_runs = request.user.has_perm("backtests.view_backtestrun")
    visible = strategies_for(request.user)
    strategy_ids = _ids(request, "s")[:MAX_COMPARED]
    chosen = {s.pk: s for s in visible.filter(pk__in=strategy_ids)}
    strategies = [chosen[i] for i in strategy_ids if i in chosen]
    ids = _ids(request, "ids")[: max(MAX_COMPARED - len(strategies), 0)] if may_see_runs else []
    runs = runs_by_ids(request.user, ids)
    picker = []
    wf = request.GET.get("wf", "")
    if may_see_runs:
        # ?wf=<walk-forward id>: pick among that walk-forward's candidate runs (not listed otherwise).
        finished = runs_visible_to(request.user).filter(job__status=Job.Status.SUCCEEDED).exclude(pk__in=ids)
        others = finished.filter(parent_id=int(wf)) if wf.isdigit() else finished.filter(parent__isnull=True)
        picker = [*runs, *others.select_related("job")[:PICKER_SIZE]]  # the selected runs stay ticked even when old
    form = CompareWindowForm(request.GET)
    window, metric = (
        (form.cleaned_data["window"], form.cleaned_data["metric"] or "sharpe") if form.is_valid() else (63, "sharpe")
    )
    items = items_for(runs, strategies, _weights(request))
    context = {
        "runs": runs, "recent": picker, "selected": set(ids), "strategies": list(visible),
        "selected_strategies": {s.pk for s in strategies}, "form": form, "window": window, "metric": metric,
        "cmp": compare_items(items, window=window, metric=metric) if items else None,
        "may_see_runs": may_see_runs, "wf": int(wf) if wf.isdigit() else None,
    }  # fmt: skip
    return render_htmx(request, "backtests/compare.html", "comparison", context)
