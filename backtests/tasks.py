"""Backtest Celery tasks: thin wrappers over services, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from backtests import conf
from backtests.services import backtest_run_execute


@shared_task(
    bind=True,
    name="backtests.tasks.run_backtest",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=conf.soft_time_limit(),
    time_limit=conf.time_limit(),
    # A transient database error (a lock wait that timed out, a dropped connection) must not leave
    # the run queued forever: retry with backoff. Claiming makes a retry a no-op once the run started.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=5,
)
def run_backtest(self, run_id: int) -> dict[str, object]:  # noqa: ANN001 - Celery's bound task
    """Execute run ``run_id`` under its job (no-op when it is finished or running elsewhere)."""
    outcome = backtest_run_execute(run_id=run_id, task_id=self.request.id or "")
    return {"run_id": run_id, "status": outcome.status, "detail": outcome.detail}


@shared_task(name="backtests.tasks.finalize_walk_forward", acks_late=True, soft_time_limit=1700, time_limit=1800)
def finalize_walk_forward(parent_id: int) -> str:
    """Stitch a walk-forward parent once all its candidate runs finished (no-op before/after)."""
    from backtests.services.walkforward import walkforward_finalize

    return walkforward_finalize(parent_id=parent_id)


@shared_task(name="backtests.run_strategies", acks_late=True, soft_time_limit=3300, time_limit=3600)
def run_strategies() -> list[dict[str, object]]:
    """Beat: every active paper strategy trades the latest warehouse session (one job each; idempotent)."""
    from backtests.services.strategy_runs import strategies_run_due

    return [{"job_id": o.job_id, "status": o.status, "detail": o.detail} for o in strategies_run_due()]


@shared_task(bind=True, name="backtests.tasks.run_strategy_job", acks_late=True, soft_time_limit=3300, time_limit=3600)
def run_strategy_job(self, job_id: int) -> dict[str, object]:  # noqa: ANN001 - Celery's bound task
    """Run one ``strategy_run`` job (a retry or a re-queue after a lost worker)."""
    from backtests.services.strategy_runs import strategy_run_execute

    outcome = strategy_run_execute(job_id=job_id, task_id=self.request.id or "")
    return {"job_id": job_id, "status": outcome.status, "detail": outcome.detail}
