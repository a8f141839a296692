"""Inside a task: run a claimed job with a heartbeat, throttled progress, cancel checks and a log.

    outcome = job_run(job_id=job_id, task_id=self.request.id, body=lambda run: compute(run, ...))

``body(run)`` calls ``run.progress(0.4, "simulating")`` as it goes (throttled to
``JOBS_PROGRESS_INTERVAL_MS``; raises :class:`JobCancelled` once a cancel was requested) and
``run.log("...")``; its return value is the final message. A background thread stamps the
heartbeat every ``JOBS_HEARTBEAT_SECONDS`` even while a long read or kernel runs, so only a dead
worker goes stale. Expected failures (``expected``) end the job as failed with their message; any
other exception fails the job with its type and message and is re-raised for the task's logs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.db import connections
from django.utils import timezone

from quant.jobs import conf
from quant.jobs.services import Claim, JobLost, job_claim, job_finish, job_heartbeat
from quant.models import Job

logger = logging.getLogger("quantdesk.jobs")


class JobCancelled(Exception):
    """The user asked to stop this job."""


@dataclass(frozen=True)
class RunOutcome:
    job_id: int
    status: str  # a Job status, "lost" (taken over) or "nothing to do"
    detail: str = ""


class JobRun:
    """The handle ``body`` gets: progress, log, and the claim it runs under."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.interval = conf.progress_interval_ms() / 1000.0
        self._last = 0.0
        self._lock = threading.Lock()
        self._pending_log: list[str] = []

    def progress(self, fraction: float, message: str | None = None, *, force: bool = False) -> None:
        """Record progress (0..1); raises :class:`JobCancelled` when a cancel was requested."""
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        if job_heartbeat(claim=self.claim, progress=fraction, message=message, log=self.take_log()):
            raise JobCancelled

    def log(self, line: str) -> None:
        """Append a line to the job's log (written with the next progress or heartbeat)."""
        stamp = timezone.now().strftime("%H:%M:%S")
        with self._lock:
            self._pending_log.append(f"{stamp} {line.rstrip()}\n")

    def take_log(self) -> str:
        with self._lock:
            text, self._pending_log = "".join(self._pending_log), []
        return text


class _Heartbeat(threading.Thread):
    """Stamps ``heartbeat_at`` every few seconds while the task is alive (own DB connection)."""

    def __init__(self, run: JobRun) -> None:
        super().__init__(name=f"job-heartbeat-{run.claim.job_id}", daemon=True)
        self.run_handle = run
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(conf.heartbeat_seconds()):
                try:
                    job_heartbeat(claim=self.run_handle.claim, log=self.run_handle.take_log())
                except JobLost:
                    return
                except Exception:  # a DB hiccup must not kill the heartbeat for good
                    logger.exception("heartbeat of job %s failed", self.run_handle.claim.job_id)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


def job_run(
    *,
    job_id: int,
    task_id: str,
    body: Callable[[JobRun], str | None],
    expected: tuple[type[Exception], ...] = (),
    time_limit_seconds: int | None = None,
) -> RunOutcome:
    """Claim ``job_id`` and run ``body`` under it; safe to call twice (the second is a no-op)."""
    claim = job_claim(job_id=job_id, task_id=task_id)
    if claim is None:
        status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return RunOutcome(job_id, status or "missing", "nothing to do")
    run = JobRun(claim)
    beat = _Heartbeat(run)
    beat.start()
    try:
        message = body(run)
    except JobCancelled:
        return _end(run, Job.Status.CANCELLED, "cancelled")
    except JobLost as exc:
        logger.warning("%s", exc)
        return RunOutcome(job_id, "lost", str(exc))
    except expected as exc:
        return _end(run, Job.Status.FAILED, "failed", str(exc))
    except SoftTimeLimitExceeded:
        limit = f" of {time_limit_seconds} s" if time_limit_seconds else ""
        return _end(run, Job.Status.FAILED, "failed", f"time limit{limit} reached")
    except Exception as exc:  # the row must say why, whatever broke; the task still sees the error
        _end(run, Job.Status.FAILED, "failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        beat.stop()
    return _end(run, Job.Status.SUCCEEDED, message or "done")


def _end(run: JobRun, status: str, message: str, error: str = "") -> RunOutcome:
    if not job_finish(claim=run.claim, status=status, message=message, error=error, log=run.take_log()):
        return RunOutcome(run.claim.job_id, "lost", "the job was taken over before it finished")
    return RunOutcome(run.claim.job_id, status, error)
