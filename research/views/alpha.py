"""Alpha signal explorer: signal table with multiple testing, signal pages (their backtests tile is
served by ``backtests:signal_runs``)."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from quant.audit import log_access
from quant.gics import sector_label
from quant.web.htmx import render_htmx, wants_fragment
from research.analytics.signals import SIGNALS
from research.io import InputError
from research.selectors import active_reports, correlation_matrix, latest_reports, model_versions, report_frame
from research.services.combination import COMBINATION_NAME, testing_table
from research.services.reports import signal_report_queue

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
        "computing": active_reports(),
    }
    return render_htmx(request, "research/explorer.html", "signals", context)


@log_access("research.alpha_correlation")
def correlation(request: HttpRequest) -> HttpResponse:
    names, matrix = correlation_matrix(latest_reports())
    rows = [(a, [(_clean(v), None if v is None or not math.isfinite(v) else abs(v)) for v in row])
            for a, row in zip(names, matrix, strict=True)]  # fmt: skip
    template = "research/explorer.html#correlation" if wants_fragment(request) else "research/correlation.html"
    response = render(request, template, {"names": names, "matrix": rows})
    patch_vary_headers(response, ("HX-Request",))
    return response


@log_access("research.alpha_signal")
def signal_detail(request: HttpRequest, name: str) -> HttpResponse:
    if name not in SIGNALS:
        raise Http404(f"unknown signal {name!r}")
    report = next((r for r in latest_reports() if r.signal == name), None)
    context: dict[str, object] = {"definition": SIGNALS[name], "report": report, "build_command": BUILD,
                                  "computing": active_reports(name)}  # fmt: skip
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


@permission_required("research.add_signalreport", raise_exception=True)
@require_POST
def signal_recompute(request: HttpRequest, name: str) -> HttpResponse:
    """Queue the report of one signal (``name``) or of every signal (``all``) as jobs."""
    if name != "all" and name not in SIGNALS:
        raise Http404(f"unknown signal {name!r}")
    try:
        reports = signal_report_queue(names=name, requested_by=request.user)
    except (InputError, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        queued = [r.signal for r in reports if r.job.is_active]
        done = len(reports) - len(queued)
        messages.success(
            request, f"Queued: {', '.join(queued) or 'nothing'}" + (f"; {done} up to date." if done else ".")
        )
    return redirect("research:explorer") if name == "all" else redirect("research:signal", name=name)
