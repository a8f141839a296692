"""The "Backtest jobs" card of the System health page; it also reaps jobs whose worker died."""

from __future__ import annotations

from django.db.models import Count

from quant.jobs.services import jobs_reap
from quant.models import Job
from quant.web.health import CheckResult, register_check

KINDS = ["backtest", "walk_forward"]


def backtest_jobs() -> CheckResult:
    """Reap stale backtest jobs first (so the page never shows a dead run as running), then count."""
    report = jobs_reap(kinds=KINDS)
    counts = dict(Job.objects.filter(kind__in=KINDS).values_list("status").annotate(n=Count("id")).order_by())
    details = {status: counts.get(status, 0) for status in Job.Status.values}
    details["reaped now"] = len(report.requeued) + len(report.failed)
    summary = f"{counts.get('running', 0)} running · {counts.get('queued', 0)} queued"
    return CheckResult("warn" if report.failed else "ok", summary, details)


def register_backtest_checks() -> None:
    register_check("Backtest jobs", backtest_jobs, order=60, timeout=3.0)
