"""Celery tasks for data syncs (queue "sync"). Thin: take JSON arguments, call the sync service.

Each dataset sync is a ``sync`` job (``quant.Job``) claimed under the task's id. A sync refused because
another writer holds the ``warehouse`` lock is not retried (the next schedule will run it); the
refusal is a failed job whose message is "refused: <holder>".
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from quant.locks import LockBusy
from warehouse.syncs.service import french_sync_run, resolve_datasets, sync_job_execute, wrds_sync_run

HOUR = 3600
# Task names live under "warehouse.tasks." so settings.CELERY_TASK_ROUTES sends them to the "sync" queue.


@shared_task(
    bind=True, name="warehouse.tasks.wrds_sync", acks_late=True, time_limit=8 * HOUR, soft_time_limit=8 * HOUR - 300
)
def wrds_sync_task(
    self: Task, datasets: list[str] | None = None, mode: str = "incremental", start_year: int | None = None
) -> dict[str, Any]:
    """Sync WRDS datasets (default: all) in ``mode`` ("incremental" or "full"; full resumes a checkpoint)."""
    try:
        outcomes, failures = wrds_sync_run(
            datasets=resolve_datasets(datasets), mode=mode, start_year=start_year, task_id=self.request.id or ""
        )
    except LockBusy as exc:
        return {"status": "refused", "holder": str(exc)}
    return {
        "status": "failed" if failures else "succeeded",
        "synced": {o.dataset: {"rows": o.rows, "version": o.version} for o in outcomes},
        "failed": failures,
    }


@shared_task(bind=True, name="warehouse.tasks.french_sync", acks_late=True, time_limit=HOUR, soft_time_limit=HOUR - 120)
def french_sync_task(self: Task, files: list[str] | None = None, retry_count: int = 3) -> dict[str, Any]:
    """Download the Ken French files and publish ff_factors / ff_industries."""
    try:
        results = french_sync_run(files=files, retry_count=retry_count, task_id=self.request.id or "")
    except LockBusy as exc:
        return {"status": "refused", "holder": str(exc)}
    return {"status": "succeeded", "published": {r.dataset: {"rows": r.rows, "version": r.version} for r in results}}


@shared_task(
    bind=True, name="warehouse.tasks.sync_job", acks_late=True, time_limit=8 * HOUR, soft_time_limit=8 * HOUR - 300
)
def sync_job_task(self: Task, job_id: int) -> str:
    """Run one queued ``sync`` job again from its params (Jobs page retry, worker-lost re-queue)."""
    try:
        return sync_job_execute(job_id=job_id, task_id=self.request.id or "")
    except LockBusy:
        return "refused"


def enqueue_wrds_sync(datasets: list[str] | None = None, mode: str = "incremental") -> str:
    """Queue a WRDS sync (routed to the "sync" queue); returns the task id."""
    return wrds_sync_task.apply_async(kwargs={"datasets": datasets, "mode": mode}).id


def enqueue_french_sync(files: list[str] | None = None) -> str:
    """Queue a Ken French sync (routed to the "sync" queue); returns the task id."""
    return french_sync_task.apply_async(kwargs={"files": files}).id


@shared_task(name="warehouse.tasks.verify_live", time_limit=2 * HOUR, soft_time_limit=2 * HOUR - 60, ignore_result=True)
def verify_live_task() -> dict[str, Any]:
    """Beat: re-hash the live files; health and the /warehouse/ page show a failure, readers refuse it."""
    from warehouse.services import warehouse_verify_live

    report = warehouse_verify_live()
    return {"files_checked": report.files_checked, "mismatches": report.mismatches}


@shared_task(bind=True, name="warehouse.tasks.export", acks_late=True, time_limit=HOUR, soft_time_limit=HOUR - 60)
def export_task(self: Task, job_id: int) -> str:
    """Write one SQL explorer export (CSV or Parquet) for its owner."""
    from warehouse.explorer.services import data_export_execute

    return data_export_execute(job_id=job_id, task_id=self.request.id or "")


@shared_task(name="warehouse.tasks.exports_prune", time_limit=600, soft_time_limit=540, ignore_result=True)
def exports_prune_task() -> int:
    """Beat: delete the files of expired exports."""
    from warehouse.explorer.services import exports_prune

    return exports_prune()
