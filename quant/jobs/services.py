"""Writes of job rows: create (idempotent), claim by a task, heartbeat and progress, log, finish,
cancel (cooperative flag, then revoke-with-terminate after a grace period), retry, reap lost workers.

State changes that race with a worker happen under ``select_for_update`` or as conditional
``UPDATE ... WHERE`` statements, so two tasks never both run the same job and a reaped (zombie)
worker cannot overwrite what the next attempt does.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from celery import Task, current_app
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from quant import events
from quant.jobs import conf
from quant.jobs.kinds import get_kind
from quant.jobs.queue import JobSubmissionError, broker_configured, enqueue, enqueue_on_commit
from quant.models import Job

logger = logging.getLogger("quantdesk.jobs")
Status = Job.Status
MESSAGE_CHARS = 200


class JobLost(RuntimeError):
    """This task no longer owns the job (reaped and re-queued, cancelled, or finished elsewhere)."""


class JobConflict(RuntimeError):
    """The job cannot make this move from its current state (e.g. retry a running job)."""


@dataclass(frozen=True)
class Claim:
    """Proof that this task owns the job: every later write is conditional on it."""

    job_id: int
    task_id: str
    attempt: int


def job_create(
    *,
    kind: str,
    label: str = "",
    requested_by: Any = None,
    params: dict[str, Any] | None = None,
    queue: str | None = None,
    idempotency_key: str = "",
    max_attempts: int | None = None,
) -> Job:
    """Create a queued job row (inside the caller's transaction). Raises ``IntegrityError`` when a
    live job of ``kind`` already has ``idempotency_key``: use :func:`job_get_or_create` for that."""
    registered = get_kind(kind)
    return Job.objects.create(
        kind=kind,
        label=label[:200],
        requested_by=requested_by,
        params=params or {},
        queue=queue or (registered.queue if registered else "default"),
        idempotency_key=idempotency_key,
        max_attempts=max_attempts or conf.max_attempts(),
        message="queued",
        celery_task_id=str(uuid.uuid4()),  # the id job_queue submits under (saves an UPDATE per job)
    )


def job_live(*, kind: str, idempotency_key: str) -> Job | None:
    """The queued, running or succeeded job of ``kind`` with this key, if any."""
    if not idempotency_key:
        return None
    return Job.objects.filter(kind=kind, idempotency_key=idempotency_key, status__in=Job.LIVE).first()


def job_get_or_create(*, kind: str, idempotency_key: str, **fields: Any) -> tuple[Job, bool]:
    """The live job with this key, or a new queued one; safe against a concurrent request."""
    existing = job_live(kind=kind, idempotency_key=idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return job_create(kind=kind, idempotency_key=idempotency_key, **fields), True
    except IntegrityError:
        existing = job_live(kind=kind, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return existing, False


def _finish_fields(job: Job, status: str, *, message: str, error: str = "") -> None:
    job.status = status
    job.message = message[:MESSAGE_CHARS]
    job.error = error
    job.finished_at = timezone.now()
    if status == Status.SUCCEEDED:
        job.progress = 1.0


def job_claim(*, job_id: int, task_id: str = "") -> Claim | None:
    """Take the job for this task, or return None when there is nothing to do.

    Claims a queued job, a running one whose heartbeat is stale, or a running one whose own message
    (same ``task_id``) is delivered again, which the broker does only after the worker process that
    ran it died. A finished job, or one running with a fresh heartbeat under another task, is left
    alone: running a task twice does nothing the second time. ``task_id`` defaults to a local
    id for work run outside Celery (a management command).
    """
    now = timezone.now()
    task_id = task_id or f"local-{uuid.uuid4().hex}"
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in Job.FINISHED:
            return None
        if job.status == Status.RUNNING and not _is_stale(job, now):
            if job.celery_task_id != task_id:
                return None  # another live task owns it; if that one dies, its redelivery or the reaper takes over
            # The broker delivers the owner's own message again only after the process running it
            # was lost (reject_on_worker_lost after a SIGKILL or an OOM kill, or the visibility
            # timeout past the hard time limit): the owner is dead even though its heartbeat is
            # younger than JOBS_STALE_SECONDS. Take the job over now instead of dropping the message.
            logger.warning("job %s: message %s redelivered after its worker died; taking over", job_id, task_id)
        if job.cancel_requested:
            _finish_fields(job, Status.CANCELLED, message="cancelled")
            job.save()
            return None
        if job.attempts >= job.max_attempts:
            _finish_fields(job, Status.FAILED, message="failed", error=_lost_reason(job))
            job.save()
            return None
        job.status, job.attempts, job.celery_task_id = Status.RUNNING, job.attempts + 1, task_id
        job.started_at, job.heartbeat_at, job.finished_at = now, now, None
        job.progress, job.message, job.error = 0.0, f"started (attempt {job.attempts})", ""
        job.save()
        return Claim(job.pk, task_id, job.attempts)


def _is_stale(job: Job, now: dt.datetime) -> bool:
    beat = job.heartbeat_at or job.started_at
    return beat is None or (now - beat).total_seconds() > conf.stale_seconds()


def _lost_reason(job: Job) -> str:
    beat = job.heartbeat_at.isoformat(timespec="seconds") if job.heartbeat_at else "never"
    return f"worker lost: no heartbeat since {beat} after {job.attempts} attempt(s)"


def owned(claim: Claim) -> QuerySet[Job]:
    """The job row while (and only while) ``claim`` still owns it."""
    return Job.objects.filter(
        pk=claim.job_id, status=Status.RUNNING, celery_task_id=claim.task_id, attempts=claim.attempt
    )


def job_heartbeat(*, claim: Claim, progress: float | None = None, message: str | None = None, log: str = "") -> bool:
    """Stamp the heartbeat (and progress 0..1, message, new log text); returns whether a cancel was
    requested. Raises :class:`JobLost` when the job is no longer this task's."""
    fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if progress is not None:
        fields["progress"] = min(1.0, max(0.0, float(progress)))
    if message is not None:
        fields["message"] = message[:MESSAGE_CHARS]
    if not log:  # the common case: one conditional UPDATE, then read the cancel flag
        if not owned(claim).update(**fields):
            raise JobLost(f"job {claim.job_id} is no longer owned by task {claim.task_id}")
        return owned(claim).filter(cancel_requested_at__isnull=False).exists()
    with transaction.atomic():
        row = owned(claim).select_for_update().values("log", "cancel_requested_at").first()
        if row is None:
            raise JobLost(f"job {claim.job_id} is no longer owned by task {claim.task_id}")
        fields["log"] = _tail(row["log"] + log)
        owned(claim).update(**fields)
    return row["cancel_requested_at"] is not None


def _tail(text: str) -> str:
    limit = conf.log_tail_chars()
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    return cut[cut.find("\n") + 1 :] if "\n" in cut else cut


def _announce_failed(job_id: int) -> None:
    """Send ``quant.events.job_failed`` once the failure is committed (receivers raise alerts)."""

    def send() -> None:
        job = Job.objects.filter(pk=job_id, status=Status.FAILED).first()
        if job is not None:
            events.job_failed.send(sender=Job, job=job)

    transaction.on_commit(send)


def job_finish(*, claim: Claim, status: str, message: str, error: str = "", log: str = "") -> bool:
    """Move an owned job to a final status; False if it was not ours any more."""
    finished = _job_finish(claim=claim, status=status, message=message, error=error, log=log)
    if finished and status == Status.FAILED:
        _announce_failed(claim.job_id)
    return finished


def _job_finish(*, claim: Claim, status: str, message: str, error: str, log: str) -> bool:
    if status not in Job.FINISHED:
        raise ValueError(f"{status!r} is not a final status")
    values: dict[str, Any] = {
        "status": status, "message": message[:MESSAGE_CHARS], "error": error, "finished_at": timezone.now(),
    }  # fmt: skip
    if status == Status.SUCCEEDED:
        values["progress"] = 1.0
    if not log:
        return bool(owned(claim).update(**values))
    with transaction.atomic():
        row = owned(claim).select_for_update().values("log").first()
        if row is None:
            return False
        values["log"] = _tail(row["log"] + log)
        return bool(owned(claim).update(**values))


def job_cancel(*, job: Job, by: Any = None) -> Job:
    """Stop a job. A queued job is cancelled at once (and its message revoked); a running one gets
    the cooperative flag, and after ``JOBS_CANCEL_GRACE_SECONDS`` :func:`job_enforce_cancel`
    revokes its task with terminate, which stops even a task stuck in a long kernel. Finished jobs
    are left unchanged. ``by`` (a user) is named in the job's message."""
    from quant.tasks import enforce_job_cancel

    who = f" by {by.get_username()}" if by is not None else ""

    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status == Status.QUEUED:
            _finish_fields(locked, Status.CANCELLED, message=f"cancelled{who} before it started")
            locked.cancel_requested_at = locked.finished_at
            locked.save()
            if locked.celery_task_id:
                transaction.on_commit(lambda: _revoke(locked.celery_task_id, terminate=False))
        elif locked.status == Status.RUNNING and not locked.cancel_requested:
            locked.cancel_requested_at = timezone.now()
            locked.message = f"cancel requested{who}"
            locked.save(update_fields=["cancel_requested_at", "message"])
            if broker_configured() and locked.celery_task_id:
                enqueue_on_commit(
                    enforce_job_cancel, args=(locked.pk,), queue="default", countdown=conf.cancel_grace_seconds() + 1
                )
        kind = get_kind(locked.kind)
        if kind is not None and kind.on_cancel is not None:
            kind.on_cancel(locked)
    return locked


def _revoke(task_id: str, *, terminate: bool) -> None:
    if not broker_configured() or not task_id or task_id.startswith("local-"):
        return
    try:
        current_app.control.revoke(task_id, terminate=terminate, signal="SIGKILL")
    except Exception:  # the row is already final; a broker hiccup must not undo that
        logger.exception("revoking task %s failed", task_id)


def job_enforce_cancel(*, job_id: int | None = None, now: dt.datetime | None = None) -> list[int]:
    """Terminate running jobs whose cancel request is older than the grace period (one job, or all).

    The row is marked cancelled first (so a redelivered message finds nothing to do), then the
    task is revoked with ``terminate=True`` (SIGKILL to the worker child running it). Without a
    broker the job runs in a thread of the web process, which cannot be killed: it stays cancel
    requested and stops at its next progress check.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=conf.cancel_grace_seconds())
    stopped: list[tuple[int, str]] = []
    with transaction.atomic():
        stuck = Job.objects.select_for_update(skip_locked=True).filter(
            status=Status.RUNNING, cancel_requested_at__lte=cutoff
        )
        if job_id is not None:
            stuck = stuck.filter(pk=job_id)
        for job in stuck:
            if not broker_configured() or job.celery_task_id.startswith("local-"):
                continue
            _finish_fields(job, Status.CANCELLED, message="cancelled: terminated after the grace period")
            job.save()
            stopped.append((job.pk, job.celery_task_id))
    for _, task_id in stopped:
        _revoke(task_id, terminate=True)
    if stopped:
        logger.warning("terminated cancelled jobs: %s", [pk for pk, _ in stopped])
    return [pk for pk, _ in stopped]


def job_retry(*, job: Job, requested_by: Any = None) -> Job:
    """Queue a failed or cancelled job again (same row, attempts reset). Raises
    :class:`JobConflict` when the job is not finished unsuccessfully, its kind cannot be re-run, or a
    live job with the same idempotency key exists."""
    kind = get_kind(job.kind)
    if kind is None or kind.requeue is None:
        raise JobConflict(f"A {job.kind} job cannot be retried from the Jobs page.")
    try:
        with transaction.atomic():
            locked = Job.objects.select_for_update().get(pk=job.pk)
            if locked.status not in (Status.FAILED, Status.CANCELLED):
                raise JobConflict(f"Job #{job.pk} is {locked.status}; only failed or cancelled jobs can be retried.")
            locked.status, locked.progress, locked.attempts = Status.QUEUED, 0.0, 0
            locked.message, locked.error, locked.celery_task_id = "queued (retry)", "", ""
            locked.cancel_requested_at = locked.started_at = locked.finished_at = locked.heartbeat_at = None
            if requested_by is not None:
                locked.requested_by = requested_by
            locked.save()
            kind.requeue(locked)
    except IntegrityError as exc:
        raise JobConflict(f"Another job with the same inputs is already queued, running or done: {exc}") from exc
    return locked


@dataclass(frozen=True)
class ReapReport:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    terminated: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)


def jobs_reap(*, now: dt.datetime | None = None, kinds: list[str] | None = None) -> ReapReport:
    """Running jobs whose worker died (stale heartbeat): re-queue them while ``attempts <
    max_attempts`` and their kind can be re-queued, else fail them with the reason. Also terminates
    cancel requests past their grace period. Never leaves a job "running" without a live worker."""
    now = now or timezone.now()
    report = ReapReport(terminated=job_enforce_cancel(now=now))
    cutoff = now - dt.timedelta(seconds=conf.stale_seconds())
    with transaction.atomic():
        stale = Job.objects.select_for_update(skip_locked=True).filter(status=Status.RUNNING, heartbeat_at__lt=cutoff)
        if kinds is not None:
            stale = stale.filter(kind__in=kinds)
        for job in stale:
            kind = get_kind(job.kind)
            if job.cancel_requested:
                _finish_fields(job, Status.CANCELLED, message="cancelled (worker lost)")
                report.failed.append(job.pk)
            elif job.attempts < job.max_attempts and kind is not None and kind.requeue is not None:
                job.status, job.progress, job.celery_task_id = Status.QUEUED, 0.0, ""
                job.message = f"re-queued: worker lost after attempt {job.attempts}"
                kind.requeue(job)
                report.requeued.append(job.pk)
            else:
                _finish_fields(job, Status.FAILED, message="failed", error=_lost_reason(job))
                report.failed.append(job.pk)
                _announce_failed(job.pk)
            job.save()
    report.resent.extend(_resend_unsent(now=now, kinds=kinds))
    if report.requeued or report.failed or report.resent:
        logger.warning("reaped jobs: requeued=%s failed=%s resent=%s", report.requeued, report.failed, report.resent)
    return report


def _resend_unsent(*, now: dt.datetime, kinds: list[str] | None) -> list[int]:
    """Queued jobs older than ``JOBS_QUEUED_RESEND_SECONDS`` that were never re-sent: send each once
    more under a new task id (``heartbeat_at`` marks the re-send). If the broker is still down, the
    submission fails them with the reason (:func:`job_submission_failed`)."""
    cutoff = now - dt.timedelta(seconds=conf.queued_resend_seconds())
    resent = []
    with transaction.atomic():
        waiting = Job.objects.select_for_update(skip_locked=True).filter(
            status=Status.QUEUED, created_at__lt=cutoff, heartbeat_at__isnull=True, cancel_requested_at__isnull=True
        )
        if kinds is not None:
            waiting = waiting.filter(kind__in=kinds)
        for job in waiting:
            kind = get_kind(job.kind)
            if kind is None or kind.requeue is None:
                continue
            job.celery_task_id, job.heartbeat_at = "", now
            job.message = "queued (sent again: not started after a while)"
            job.save(update_fields=["celery_task_id", "heartbeat_at", "message"])
            kind.requeue(job)
            resent.append(job.pk)
    return resent


def job_queue(
    *, job: Job, task: Task, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None, priority: int | None = None
) -> None:
    """Queue ``task`` for ``job`` on the job's queue once the transaction commits, under a task id
    stored on the row now, so a cancel can revoke the message before any worker picks it up."""
    task_id = job.celery_task_id
    if not task_id:  # re-queued by the reaper or a retry
        task_id = job.celery_task_id = str(uuid.uuid4())
        Job.objects.filter(pk=job.pk).update(celery_task_id=task_id)
    submit = partial(_submit, task, job_id=job.pk, args=args, kwargs=kwargs, queue=job.queue, priority=priority,
                     task_id=task_id)  # fmt: skip
    transaction.on_commit(submit, robust=False)


def _submit(task: Task, *, job_id: int, task_id: str, **options: Any) -> None:
    """After commit: hand the job's task to the broker; a refusal fails the job instead of raising."""
    try:
        enqueue(task, task_id=task_id, **options)
    except JobSubmissionError as exc:
        job_submission_failed(job_id=job_id, task_id=task_id, reason=str(exc))


def job_submission_failed(*, job_id: int, task_id: str, reason: str) -> bool:
    """The broker refused or did not answer: the queued job (still under ``task_id``) is failed with
    a message that says so, instead of staying "queued" forever and blocking the same inputs by
    idempotency. Returns whether the row changed (a worker may already have claimed it)."""
    logger.error("job %s could not be queued: %s", job_id, reason)
    error = f"The job queue (Redis) could not be reached, so the job never started: {reason}. Submit it again."
    return bool(
        Job.objects.filter(pk=job_id, status=Status.QUEUED, celery_task_id=task_id).update(
            status=Status.FAILED,
            message="could not be queued: job queue unreachable",
            error=error,
            finished_at=timezone.now(),
        )  # fmt: skip
    )


def job_set_state(
    *, job_id: int, status: str | None = None, progress: float | None = None, message: str | None = None,
    error: str = "",
) -> bool:  # fmt: skip
    """Set the state of a job that runs no task of its own: an aggregate whose children are the
    jobs (a walk-forward parent). ``status`` running (stamps ``started_at`` once) or a final one;
    ``progress`` 0..1 and ``message`` as it goes. Such a job never heart-beats, so the reaper leaves
    it alone. Changes only a queued or running job; returns whether it did."""
    values: dict[str, Any] = {}
    if progress is not None:
        values["progress"] = min(1.0, max(0.0, float(progress)))
    if message is not None:
        values["message"] = message[:MESSAGE_CHARS]
    if status == Status.RUNNING:
        values |= {"status": status, "started_at": Coalesce("started_at", Value(timezone.now()))}
    elif status is not None:
        if status not in Job.FINISHED:
            raise ValueError(f"{status!r} is neither running nor a final status")
        values |= {"status": status, "error": error, "finished_at": timezone.now()}
        if status == Status.SUCCEEDED:
            values["progress"] = 1.0
    return bool(values) and bool(Job.objects.filter(pk=job_id, status__in=Job.ACTIVE).update(**values))
