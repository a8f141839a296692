"""Platform tasks. Business tasks live in their own apps' ``tasks.py``."""

from __future__ import annotations

import logging
import os
import socket

from celery import Task, shared_task
from celery.signals import beat_init, worker_ready
from django.core.cache import cache
from django.utils import timezone

from quant.jobs.services import job_enforce_cancel, jobs_reap
from quant.trading.breaker_rules import breaker_evaluate as breaker_rules_evaluate

logger = logging.getLogger("quantdesk.jobs")
PING_CACHE_PREFIX = "quant:ping:"
PING_CACHE_SECONDS = 3600


def ping_cache_key(token: str) -> str:
    return f"{PING_CACHE_PREFIX}{token}"


@shared_task(name="quant.ping_job", acks_late=True, time_limit=60, soft_time_limit=50)
def ping_job(token: str) -> dict[str, object]:
    """Record where and when this ran under ``quant:ping:<token>`` in the cache and return it.

    A round-trip probe: whoever queued it can check the cache (shared Redis, or the process's own
    cache in embedded mode) and the result backend. Running it twice only overwrites the record.
    """
    record: dict[str, object] = {
        "token": token,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "ran_at": timezone.now().isoformat(),
    }
    cache.set(ping_cache_key(token), record, timeout=PING_CACHE_SECONDS)
    return record


@shared_task(name="quant.system_selfcheck", acks_late=True, time_limit=60, soft_time_limit=50)
def system_selfcheck() -> dict[str, object]:
    """Report which database this worker reaches and how many migrations it sees applied.

    Lets an operator (or a test) confirm a worker shares the web process's database.
    """
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "database_vendor": connection.vendor,
        "database_name": str(connection.settings_dict["NAME"]),
        "applied_migrations": MigrationRecorder(connection).migration_qs.count(),
    }


@shared_task(name="quant.enforce_job_cancel", acks_late=True, time_limit=60, soft_time_limit=50)
def enforce_job_cancel(job_id: int) -> list[int]:
    """Terminate job ``job_id`` if it is still running past its cancel grace period (no-op otherwise)."""
    return job_enforce_cancel(job_id=job_id)


@shared_task(name="quant.reap_jobs", acks_late=True, time_limit=120, soft_time_limit=100)
def reap_jobs() -> dict[str, list[int]]:
    """Re-queue or fail jobs whose worker stopped heart-beating; terminate overdue cancels (beat: every minute)."""
    report = jobs_reap()
    return {"requeued": report.requeued, "failed": report.failed, "terminated": report.terminated,
            "resent": report.resent}  # fmt: skip


@worker_ready.connect
def _reap_on_worker_start(**_: object) -> None:
    """A restarted worker first puts back (or fails) the jobs that died with the previous one."""
    try:
        jobs_reap()
    except Exception:  # never stop a worker from starting because of the reaper
        logger.exception("reaping stale jobs at worker start failed")


@shared_task(bind=True, name="quant.trading_reconcile", acks_late=True, time_limit=600, soft_time_limit=540)
def trading_reconcile_task(self: Task, job_id: int) -> str:
    """Run the ``trading_reconcile`` job ``job_id`` (local positions and cash against the broker's).
    Safe to run twice: a finished job is left alone. Returns the job's status."""
    from quant.trading.reconcile import reconcile_job_run

    return reconcile_job_run(job_id=job_id, task_id=self.request.id or "").status


@shared_task(name="quant.health_refresh", time_limit=60, soft_time_limit=50, ignore_result=True)
def health_refresh() -> str:
    """Beat, every 15 s: run the health checks once and cache them for the System health page."""
    from quant.web.health import refresh_snapshot

    snapshot = refresh_snapshot()
    if snapshot is None:
        return "another refresh is running"
    return f"{len(snapshot.outcomes)} checks refreshed"


@beat_init.connect
def _reaper_on_beat(**_: object) -> None:
    """Beat always schedules the reaper, even where nobody ran ``manage.py schedules``: without it a
    job whose worker died stays "running" until someone opens the health page."""
    from quant.schedules import SCHEDULES, schedules_sync

    try:
        schedules_sync(names=[s.name for s in SCHEDULES], enable=[s.name for s in SCHEDULES])
    except Exception:  # beat still runs the other schedules
        logger.exception("could not register the job reaper with beat")


@shared_task(name="quant.breaker_evaluate", acks_late=True, time_limit=60, soft_time_limit=50, ignore_result=True)
def breaker_evaluate() -> str:
    """The circuit breaker's automatic rules over every active strategy (the beat job)."""
    return breaker_rules_evaluate().label
