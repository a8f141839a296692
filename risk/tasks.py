"""Celery tasks for the risk model (queue "analytics"). Thin: JSON in, one service call."""

from __future__ import annotations

import datetime as dt

from celery import Task, shared_task

HOUR = 3600
QUEUE = "analytics"


@shared_task(
    bind=True, name="risk.tasks.build_model", acks_late=True, time_limit=2 * HOUR, soft_time_limit=2 * HOUR - 120
)
def risk_build_task(self: Task, job_id: int | None = None, as_of: str | None = None, universe: str = "all") -> str:
    """Run the ``risk_build`` job ``job_id`` (queued by ``risk_rebuild_queue`` or a retry); without
    one (the nightly schedule), request the build as of ``as_of`` / the warehouse's last date and
    run its job here. Safe to run twice: a finished job is left alone. Returns the job's status."""
    from risk.services.jobs import risk_build_job_run, warehouse_last_date
    from risk.services.model_build import risk_model_request

    if job_id is None:
        day = dt.date.fromisoformat(as_of) if as_of else warehouse_last_date()
        job_id = risk_model_request(as_of=day, universe=universe).run.job_id
    return risk_build_job_run(job_id=job_id, task_id=self.request.id or "").status
