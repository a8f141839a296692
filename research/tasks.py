"""Research Celery tasks: thin wrappers over services, safe to run twice (a finished job is left alone)."""

from __future__ import annotations

from celery import Task, shared_task

from research.services.pead import pead_job_run
from research.services.reports import signal_report_run
from research.services.taq_sync_job import taq_sync_incremental, taq_sync_job_run


@shared_task(
    bind=True, name="research.tasks.build_signal_report", acks_late=True, soft_time_limit=1800, time_limit=1900
)
def build_signal_report(self: Task, job_id: int) -> str:
    """Compute the signal report of job ``job_id`` (queued by ``signal_report_queue``); returns its status."""
    return signal_report_run(job_id=job_id, task_id=self.request.id or "").status


@shared_task(
    bind=True, name="research.tasks.taq_sync", acks_late=True, soft_time_limit=6 * 3600, time_limit=6 * 3600 + 120
)
def taq_sync_task(self: Task, job_id: int) -> str:
    """Run TAQ sync job ``job_id`` (resumable: a rerun skips the sessions already done); returns its status."""
    return taq_sync_job_run(job_id=job_id, task_id=self.request.id or "").status


@shared_task(name="research.tasks.taq_sync_incremental", acks_late=True, soft_time_limit=120, time_limit=180)
def taq_sync_incremental_task() -> int:
    """Queue the continuation of every earlier TAQ sync to the last session (the ``taq-nightly`` schedule)."""
    return len(taq_sync_incremental())


@shared_task(bind=True, name="research.tasks.pead_build", acks_late=True, soft_time_limit=1800, time_limit=1900)
def pead_build(self: Task, job_id: int) -> str:
    """Compute and publish PEAD by SUE decile for job ``job_id`` (``pead_queue``); returns its status."""
    return pead_job_run(job_id=job_id, task_id=self.request.id or "").status
