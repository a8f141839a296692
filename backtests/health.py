"""The "Backtest jobs" card of the System health page; it also reaps runs whose worker died."""

from __future__ import annotations

from django.db.models import Count

from backtests.models import BacktestRun
from quant.web.health import CheckResult, register_check


def backtest_jobs() -> CheckResult:
    """Reap stale runs first (so the page never shows a dead run as running), then count."""
    from backtests.services import backtest_runs_reap

    report = backtest_runs_reap()
    counts = dict(BacktestRun.objects.values_list("status").annotate(n=Count("id")).order_by())
    details = {status: counts.get(status, 0) for status in BacktestRun.Status.values}
    details["reaped now"] = len(report.requeued) + len(report.failed)
    summary = f"{counts.get('running', 0)} running · {counts.get('queued', 0)} queued"
    return CheckResult("warn" if report.failed else "ok", summary, details)


def register_backtest_checks() -> None:
    register_check("Backtest jobs", backtest_jobs, order=60, timeout=3.0)
