"""Alpha signal explorer: signal table with multiple testing, signal pages, one-click backtest."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from console.htmx import render_htmx
from quant.audit import log_access
from quant.gics import sector_label
from research.analytics.signals import SIGNALS
from research.selectors import correlation_matrix, latest_reports, model_versions, recent_backtests, report_frame
from research.services.backtest import BACKTEST_SIGNALS, signal_backtest_create
from research.services.combination import COMBINATION_NAME, testing_table

BUILD = "python manage.py alpha_build"
SYNC = "python manage.py warehouse_sync --source demo"


def _clean(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


@log_access("research.alpha_explorer")
def explorer(request: HttpRequest) -> HttpResponse:
    reports = latest_reports()
    context = {
        "rows": testing_table(reports),
        "combinations": model_versions().filter(name=COMBINATION_NAME)[:5],
        "build_command": BUILD,
        "sync_command": SYNC,
        "n_signals": len(SIGNALS),
    }
    return render_htmx(request, "research/explorer.html", "signals", context)


@log_access("research.alpha_correlation")
def correlation(request: HttpRequest) -> HttpResponse:
    names, matrix = correlation_matrix(latest_reports())
    rows = [(a, [(_clean(v), None if v is None or not math.isfinite(v) else abs(v)) for v in row])
            for a, row in zip(names, matrix, strict=True)]  # fmt: skip
    return render_htmx(request, "research/explorer.html", "correlation", {"names": names, "matrix": rows})


@log_access("research.alpha_signal")
def signal_detail(request: HttpRequest, name: str) -> HttpResponse:
    if name not in SIGNALS:
        raise Http404(f"unknown signal {name!r}")
    report = next((r for r in latest_reports() if r.signal == name), None)
    context: dict[str, object] = {"definition": SIGNALS[name], "report": report, "build_command": BUILD,
                                  "backtest_signal": BACKTEST_SIGNALS.get(name)}  # fmt: skip
    engine_signal = BACKTEST_SIGNALS.get(name)
    if engine_signal is not None:
        context["backtests"] = recent_backtests(engine_signal)
    if report is not None:
        ic = report_frame(report, "ic").sort("date")
        rolling = ic["ic"].rolling_mean(12, min_samples=6)
        context["charts"] = {
            "dates": [d.isoformat() for d in ic["date"]],
            "ic": [_clean(v) for v in ic["ic"].to_list()],
            "rolling": [_clean(v) for v in rolling.to_list()],
            "decay": report_frame(report, "decay").to_dicts(),
            "quantiles": report_frame(report, "quantiles").to_dicts(),
        }
        long_short = report_frame(report, "long_short").sort("date")
        context["charts"]["long_short"] = {  # type: ignore[index]
            "dates": [d.isoformat() for d in long_short["date"]],
            "values": [None if v is None else 100 * v for v in map(_clean, long_short["long_short"].to_list())],
        }
        context["decay"] = context["charts"]["decay"]  # type: ignore[index]
        context["quantiles"] = [q | {"mean_pct": 100 * q["mean_ret"]} for q in context["charts"]["quantiles"]]  # type: ignore[index]
        groups = report_frame(report, "group_ic").to_dicts()
        context["groups"] = [g | {"label": sector_label(str(g["group"]))} for g in groups]
    return render_htmx(request, "research/signal.html", "research-signal", context)


@permission_required("backtests.add_backtestrun", raise_exception=True)
@require_POST
def signal_backtest(request: HttpRequest, name: str) -> HttpResponse:
    if name not in SIGNALS:
        raise Http404(f"unknown signal {name!r}")
    try:
        result = signal_backtest_create(signal=name, owner=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("research:signal", name=name)
    return redirect("backtests:detail", run_id=result.run.pk)
