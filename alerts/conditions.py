"""What each rule kind measures now: the subjects whose condition holds (``Finding``) for one rule.

Each function reads through the owning floor's selectors and returns the findings; a subject of
the rule that is not among them has cleared (the evaluator resolves its alert). ``None`` means
"cannot tell from here" (the circuit breaker: only its own events open and close its alert).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db.models import OuterRef, Subquery

from alerts.models import AlertRule
from backtests.analytics.metrics.risk import drawdown_series
from quant.models import Job, Strategy
from quant.trading.selectors import positions_open, snapshots_for
from quant.web.health import health_snapshot
from quant.web.latency import published
from risk.selectors import bias_history, latest_run
from warehouse.selectors import dataset_summaries, last_sync_runs

DELIVERY_KIND = "alert_delivery"  # an alert's own delivery failing never raises a job-failed alert
REPORT_KIND = "report"


@dataclass(frozen=True)
class Finding:
    subject: str
    value: float | None
    message: str


def _strategies(rule: AlertRule) -> list[Strategy]:
    if rule.strategy_id:
        return [rule.strategy] if rule.strategy is not None else []
    return list(Strategy.objects.filter(status=Strategy.Status.ACTIVE))


def _limit(rule: AlertRule) -> float:
    return float(rule.threshold or 0.0)


def drawdown(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """Current drawdown from the peak of compounded daily returns (net of capital flows), percent."""
    out = []
    for s in _strategies(rule):
        returns = [r for r in snapshots_for(s).values_list("daily_return", flat=True) if r is not None]
        if not returns:
            continue
        dd = 100.0 * float(drawdown_series(np.asarray(returns, dtype=float))[-1])
        if -dd > _limit(rule):
            out.append(Finding(s.name, dd, f"{s.name}: drawdown {dd:.2f} % (limit -{_limit(rule):g} %)"))
    return out


def daily_loss(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """The latest session's return (net of capital flows), percent."""
    out = []
    for s in _strategies(rule):
        last = snapshots_for(s).exclude(daily_return=None).last()
        if last is None or last.daily_return is None:
            continue
        pct = 100.0 * last.daily_return
        if -pct > _limit(rule):
            out.append(Finding(s.name, pct, f"{s.name}: {last.date} return {pct:.2f} % (limit -{_limit(rule):g} %)"))
    return out


def position_weight(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """The largest |position at cost| / latest equity, percent (cost basis: no price feed needed)."""
    out = []
    for s in _strategies(rule):
        last = snapshots_for(s).last()
        if last is None or not last.equity:
            continue
        weights = {p.symbol: 100.0 * float(abs(p.quantity * p.avg_cost) / last.equity) for p in positions_open(s)}
        if weights:
            symbol, top = max(weights.items(), key=lambda kv: kv[1])
            if top > _limit(rule):
                out.append(Finding(s.name, top, f"{s.name}: {symbol} weighs {top:.1f} % (limit {_limit(rule):g} %)"))
    return out


def gross_exposure(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    out = []
    for s in _strategies(rule):
        last = snapshots_for(s).last()
        if last is not None and float(last.gross_exposure) > _limit(rule):
            g = float(last.gross_exposure)
            out.append(Finding(s.name, g, f"{s.name}: gross exposure {g:.2f}× equity (limit {_limit(rule):g}×)"))
    return out


def job_failed(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """Job kinds whose newest finished job failed (deliveries excluded)."""
    newest = Job.objects.filter(kind=OuterRef("kind"), status__in=Job.FINISHED).order_by("-finished_at", "-id")
    rows = (
        Job.objects.filter(pk=Subquery(newest.values("pk")[:1]), status=Job.Status.FAILED)
        .exclude(kind=DELIVERY_KIND)
        .values_list("kind", "pk", "error")
    )
    return [Finding(kind, None, f"{kind} job #{pk} failed: {(err or 'no error text').splitlines()[0][:200]}")
            for kind, pk, err in rows]  # fmt: skip


def sync_failed(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    return [
        Finding(run.dataset, None, f"sync of {run.dataset} failed: {(run.job.error or run.job.message)[:200]}")
        for run in last_sync_runs()
        if run.job.status == Job.Status.FAILED
    ]


def data_stale(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """Datasets whose live version is older than ``threshold`` hours."""
    out = []
    for d in dataset_summaries():
        hours = (now - d.created).total_seconds() / 3600.0
        if hours > _limit(rule):
            out.append(
                Finding(d.dataset, hours, f"{d.dataset} last published {hours:.1f} h ago (limit {_limit(rule):g} h)")
            )
    return out


def health_down(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    return [
        Finding(o.name, None, f"health check {o.name} is down: {o.result.summary}"[:500])
        for o in health_snapshot().outcomes
        if o.result.status == "bad"
    ]


def latency_p95(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """The worst P95 request latency (ms) any web process published lately (``quant.web.latency``):
    each web process shares its window through the cache, so the beat job in a worker sees them."""
    windows = [w for w in published().values() if isinstance(w.get("p95"), int | float)]
    if not windows:
        return []
    worst = max(windows, key=lambda w: w["p95"])
    p95 = round(float(worst["p95"]), 1)
    if p95 <= _limit(rule):
        return []
    return [
        Finding("web", p95, f"web latency P95 {p95:.0f} ms over {len(windows)} process(es) (limit {_limit(rule):g} ms)")
    ]


def risk_bias(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """Mean bias statistic of the newest risk model outside its band (1 ± threshold, else the 95 % band)."""
    run = latest_run()
    if run is None:
        return []
    history = bias_history(run.version)
    values = [v for v in history.series.get("mean of all factors", []) if v is not None]
    if not values:
        return []
    low, high = (1 - _limit(rule), 1 + _limit(rule)) if rule.threshold else history.band
    b = values[-1]
    if low <= b <= high:
        return []
    return [Finding(f"risk model {run.version}", b, f"risk-model bias {b:.3f} outside [{low:.2f}, {high:.2f}]")]


EVALUATORS: dict[str, Callable[[AlertRule, dt.datetime], list[Finding]] | None] = {
    "drawdown": drawdown, "daily_loss": daily_loss, "position_weight": position_weight,
    "gross_exposure": gross_exposure, "job_failed": job_failed, "sync_failed": sync_failed,
    "data_stale": data_stale, "health_down": health_down, "latency_p95": latency_p95,
    "risk_bias": risk_bias, "breaker_tripped": None,
}  # fmt: skip
