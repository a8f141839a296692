"""Research Celery tasks: thin wrappers over services, safe to run twice (a finished job is left alone)."""

from __future__ import annotations

from celery import Task, shared_task

from research.services.reports import signal_report_run


@shared_task(
    bind=True, name="research.tasks.build_signal_report", acks_late=True, soft_time_limit=1800, time_limit=1900
)
def build_signal_report(self: Task, job_id: int) -> str:
    """Compute the signal report of job ``job_id`` (queued by ``signal_report_queue``); returns its status."""
    return signal_report_run(job_id=job_id, task_id=self.request.id or "").status
