"""What each report shows, read from the platform's own rows and artifacts for a period.

Each builder returns the template context: tables of plain values (numbers already in their
display unit) and SVG charts. Missing data gives an empty section naming the command that fills it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db.models import Q

from alerts.models import Alert
from alerts.reports.charts import bar_chart, line_chart
from backtests.analytics.metrics.risk import drawdown_series
from quant.models import Strategy
from quant.trading.selectors import snapshots_for
from research.models import ModelVersion, SignalReport
from risk.models import Portfolio
from risk.selectors import latest_run, report_for
from risk.services.reports import factor_label
from warehouse.models_sync import SyncRun
from warehouse.selectors import dataset_summaries

PERIOD_DAYS = {"daily_performance": 1, "weekly_risk": 7, "monthly_research": 30, "data_quality": 7}
CHART_POINTS = 120
MAX_PORTFOLIOS = 5
EXPOSURES_TITLE = "active exposures (styles in σ, sectors as weight)"


def period(template: str, end: dt.date) -> tuple[dt.date, dt.date]:
    return end - dt.timedelta(days=PERIOD_DAYS[template] - 1), end


def _strategies() -> list[Strategy]:
    return list(Strategy.objects.filter(pnl_snapshots__isnull=False).distinct().order_by("name"))


def _strategy_rows(start: dt.date, end: dt.date) -> tuple[list[dict[str, Any]], list[str]]:
    rows, charts = [], []
    for s in _strategies():
        snaps = list(snapshots_for(s, end=end))
        if not snaps:
            continue
        last = snaps[-1]
        returns = np.asarray([x.daily_return or 0.0 for x in snaps], dtype=float)
        in_period = [x.daily_return or 0.0 for x in snaps if x.date >= start]
        rows.append({
            "name": s.name, "status": s.get_status_display(), "date": last.date, "equity": float(last.equity),
            "day_pct": 100.0 * (last.daily_return or 0.0),
            "period_pct": 100.0 * (float(np.prod(1.0 + np.asarray(in_period))) - 1.0) if in_period else 0.0,
            "drawdown_pct": 100.0 * float(drawdown_series(returns)[-1]),
            "gross": float(last.gross_exposure), "net": float(last.net_exposure), "positions": last.n_positions,
        })  # fmt: skip
        tail = snaps[-CHART_POINTS:]
        charts.append(line_chart([float(x.equity) for x in tail], title=f"{s.name}: equity ($)",
                                 labels=(str(tail[0].date), str(tail[-1].date))))  # fmt: skip
    return rows, charts


def daily_performance(start: dt.date, end: dt.date) -> dict[str, Any]:
    rows, charts = _strategy_rows(start, end)
    return {"strategies": rows, "charts": charts}


def weekly_risk(start: dt.date, end: dt.date) -> dict[str, Any]:
    rows, charts = _strategy_rows(start, end)
    context: dict[str, Any] = {"strategies": rows, "charts": charts, "portfolios": [], "model": None}
    run = latest_run()
    if run is None:
        return context
    context["model"] = {"version": run.version, "as_of": run.as_of}
    for portfolio in Portfolio.objects.order_by("name")[:MAX_PORTFOLIOS]:
        try:
            r = report_for(run, portfolio)
        except Exception as exc:  # a portfolio the model cannot cover is reported, not fatal
            context["portfolios"].append({"name": portfolio.name, "error": f"{type(exc).__name__}: {exc}"[:200]})
            continue
        # styles are z-scores and sectors are weights: both shown as they are, never as percentages
        active = sorted(
            ((factor_label(e["factor"]), float(e["active"])) for e in r.exposures), key=lambda kv: -abs(kv[1])
        )
        context["portfolios"].append({
            "name": portfolio.name, "vol": 100 * r.total_vol_annual, "te": 100 * r.te_annual,
            "var": [{"method": v["method"], "var": 100 * float(v["var"]), "cvar": 100 * float(v["cvar"])}
                    for v in r.var],
            "stress": [{"name": x["name"], "pnl": 100 * float(x["pnl"])} for x in r.stress if x.get("pnl") is not None],
            "confidence": 100 * r.confidence, "horizon": r.horizon,
            "chart": bar_chart(active[:12], title=f"{portfolio.name}: {EXPOSURES_TITLE}"),
        })  # fmt: skip
    return context


def monthly_research(start: dt.date, end: dt.date) -> dict[str, Any]:
    window = Q(created_at__date__gte=start, created_at__date__lte=end)
    reports = list(SignalReport.objects.filter(window).order_by("signal", "-created_at"))
    latest: dict[str, SignalReport] = {}
    for r in reports:
        latest.setdefault(r.signal, r)
    signals = [{"signal": r.signal, "horizon": r.horizon, "ic": r.ic_mean, "icir": r.icir, "t": r.ic_t_stat,
                "rank_ic": r.rank_ic_mean, "hit": None if r.hit_rate is None else 100 * r.hit_rate,
                "dates": r.n_dates, "created": r.created_at} for r in latest.values()]  # fmt: skip
    changes = ModelVersion.objects.filter(window | Q(promoted_at__date__gte=start, promoted_at__date__lte=end))
    chart = bar_chart([(s["signal"], s["ic"]) for s in signals if s["ic"] is not None], title="Mean IC by signal")
    return {"signals": signals, "ic_chart": chart, "registry": list(changes.order_by("-created_at")[:200])}


def data_quality(start: dt.date, end: dt.date) -> dict[str, Any]:
    runs = list(
        SyncRun.objects.select_related("job")
        .filter(job__created_at__date__gte=start, job__created_at__date__lte=end)
        .order_by("-pk")[:500]
    )
    datasets = dataset_summaries()
    alerts = Alert.objects.filter(first_seen__date__gte=start, first_seen__date__lte=end).select_related("rule")
    failed = sum(1 for r in runs if r.job.status == "failed")
    return {"syncs": runs, "failed": failed, "datasets": datasets, "alerts": list(alerts[:200])}


BUILDERS: dict[str, Callable[[dt.date, dt.date], dict[str, Any]]] = {
    "daily_performance": daily_performance, "weekly_risk": weekly_risk,
    "monthly_research": monthly_research, "data_quality": data_quality,
}  # fmt: skip
