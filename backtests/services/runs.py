"""Run rows: create (idempotent), cancel, claim by a task, heartbeat, finish, reap lost workers.

State changes that race with a worker happen under ``select_for_update`` or as conditional
``UPDATE ... WHERE`` statements, so two tasks can never both run the same row and a reaped
(zombie) worker cannot overwrite what the new attempt does.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backtests import conf
from backtests.configs import BacktestConfig
from backtests.models import BacktestRun
from quant.jobs import enqueue_on_commit
from quant.provenance import canonical_json, code_version, sha256_text

logger = logging.getLogger("quantdesk.backtests")
Status = BacktestRun.Status


class RunLost(RuntimeError):
    """This task no longer owns the run (reaped and re-queued, or finished elsewhere)."""


@dataclass(frozen=True)
class CreateResult:
    run: BacktestRun
    created: bool


def backtest_run_create(
    *,
    config: BacktestConfig,
    owner: Any,
    priority: str = BacktestRun.Priority.NORMAL,
    label: str = "",
    strategy: Any = None,
    dataset_versions: dict[str, Any] | None = None,
) -> CreateResult:
    """Validate ``config``, create a queued run and queue its task after commit.

    The same config on the same dataset versions returns the queued, running or succeeded run
    that already exists (``created=False``) instead of computing it twice.
    """
    from backtests.data import current_dataset_versions

    config.validate()
    if priority not in BacktestRun.Priority.values:
        raise ValueError(f"priority must be one of {BacktestRun.Priority.values}")
    versions = dataset_versions if dataset_versions is not None else current_dataset_versions(config)
    keys = {"config_hash": config.hash(), "data_hash": sha256_text(canonical_json(versions))}
    existing = backtest_run_live(keys=keys)
    if existing is not None:
        return CreateResult(existing, False)
    try:
        with transaction.atomic():
            run = BacktestRun.objects.create(
                **keys, config=config.as_json_dict(), dataset_versions=versions, code_version=code_version(),
                owner=owner, strategy=strategy, priority=priority, label=label or _default_label(config),
                progress_message="queued",
            )  # fmt: skip
            backtest_run_queue(run=run)
    except IntegrityError:
        existing = backtest_run_live(keys=keys)  # a concurrent request created it first
        if existing is None:
            raise
        return CreateResult(existing, False)
    return CreateResult(run, True)


def backtest_run_live(*, keys: dict[str, str]) -> BacktestRun | None:
    """The top-level run with these config and data hashes that is queued, running or succeeded."""
    return BacktestRun.objects.filter(
        **keys, parent__isnull=True, status__in=[Status.QUEUED, Status.RUNNING, Status.SUCCEEDED]
    ).first()


def _default_label(config: BacktestConfig) -> str:
    book = "L/S decile" if config.construction == "long_short_decile" else f"top {config.top_n}"
    return f"{config.signal} {config.rebalance} {book} {config.start:%Y}-{config.end:%Y}"


def backtest_run_queue(*, run: BacktestRun) -> None:
    """Queue the task for ``run`` once the surrounding transaction commits."""
    from backtests.tasks import run_backtest

    enqueue_on_commit(run_backtest, args=(run.pk,), queue=conf.queue(), priority=conf.PRIORITY_LEVELS[run.priority])


def backtest_run_cancel(*, run: BacktestRun) -> BacktestRun:
    """Stop a run: a queued run is cancelled at once; a running one is flagged and its progress
    callback stops it within a second or so. Finished runs are left unchanged."""
    with transaction.atomic():
        locked = BacktestRun.objects.select_for_update().get(pk=run.pk)
        if locked.kind == BacktestRun.Kind.WALK_FORWARD and locked.is_active:
            for child in locked.children.filter(status__in=BacktestRun.ACTIVE):
                backtest_run_cancel(run=child)
            _finish_fields(locked, Status.CANCELLED, message="cancelled with its candidate runs")
            locked.save()
        elif locked.status == Status.QUEUED:
            _finish_fields(locked, Status.CANCELLED, message="cancelled before it started")
            locked.save()
        elif locked.status == Status.RUNNING and not locked.cancel_requested:
            locked.cancel_requested = True
            locked.progress_message = "cancel requested"
            locked.save(update_fields=["cancel_requested", "progress_message"])
    return locked


def _finish_fields(run: BacktestRun, status: str, *, message: str, error: str = "") -> None:
    run.status = status
    run.progress_message = message[:200]
    run.error = error
    run.finished_at = timezone.now()


@dataclass(frozen=True)
class Claim:
    """Proof that this task owns the run: every later write is conditional on it."""

    run_id: int
    task_id: str
    attempt: int


def backtest_run_claim(*, run_id: int, task_id: str) -> Claim | None:
    """Take the run for this task, or return None when there is nothing to do.

    Claims a queued run, or a running run whose heartbeat is stale (its worker died and the
    broker redelivered the message). A finished run, or one running with a fresh heartbeat
    elsewhere, is left alone: running the task twice does nothing the second time.
    """
    now = timezone.now()
    with transaction.atomic():
        run = BacktestRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in BacktestRun.FINISHED:
            return None
        if run.status == Status.RUNNING and not _is_stale(run, now):
            return None
        if run.cancel_requested:
            _finish_fields(run, Status.CANCELLED, message="cancelled")
            run.save()
            return None
        if run.attempts >= conf.max_attempts():
            _finish_fields(run, Status.FAILED, message="failed", error=_lost_reason(run))
            run.save()
            return None
        run.status, run.attempts, run.celery_task_id = Status.RUNNING, run.attempts + 1, task_id
        run.started_at, run.heartbeat_at, run.finished_at = now, now, None
        run.progress, run.progress_message, run.error = 0, f"started (attempt {run.attempts})", ""
        run.save()
        return Claim(run.pk, task_id, run.attempts)


def _is_stale(run: BacktestRun, now: dt.datetime) -> bool:
    beat = run.heartbeat_at or run.started_at
    return beat is None or (now - beat).total_seconds() > conf.stale_seconds()


def _lost_reason(run: BacktestRun) -> str:
    beat = run.heartbeat_at.isoformat(timespec="seconds") if run.heartbeat_at else "never"
    return f"worker lost: no heartbeat since {beat} after {run.attempts} attempt(s)"


def _owned(claim: Claim):  # noqa: ANN202 - a QuerySet of at most one row
    return BacktestRun.objects.filter(
        pk=claim.run_id, status=Status.RUNNING, celery_task_id=claim.task_id, attempts=claim.attempt
    )


def backtest_run_heartbeat(*, claim: Claim, progress: int | None = None, message: str | None = None) -> bool:
    """Stamp the heartbeat (and progress); returns whether cancellation was requested.

    Raises :class:`RunLost` when the run is no longer this task's.
    """
    fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if progress is not None:
        fields["progress"] = max(0, min(100, int(progress)))
    if message is not None:
        fields["progress_message"] = message[:200]
    if not _owned(claim).update(**fields):
        raise RunLost(f"run {claim.run_id} is no longer owned by task {claim.task_id}")
    return _owned(claim).filter(cancel_requested=True).exists()


def backtest_run_finish(
    *, claim: Claim, status: str, message: str, error: str = "", fields: dict[str, Any] | None = None
) -> bool:
    """Move an owned run to a final status (with result fields); False if it was not ours any more."""
    values = {"status": status, "progress_message": message[:200], "error": error, "finished_at": timezone.now()}
    if status == Status.SUCCEEDED:
        values["progress"] = 100
    values.update(fields or {})
    return bool(_owned(claim).update(**values))


@dataclass(frozen=True)
class ReapReport:
    requeued: list[int]
    failed: list[int]


def backtest_runs_reap(*, now: dt.datetime | None = None) -> ReapReport:
    """Runs whose worker died (stale heartbeat): re-queue them while ``attempts < max``, else fail
    them with the reason. Never leaves a run "running" without a live worker."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=conf.stale_seconds())
    report = ReapReport([], [])
    with transaction.atomic():
        stale = BacktestRun.objects.select_for_update(skip_locked=True).filter(
            status=Status.RUNNING, heartbeat_at__lt=cutoff, kind=BacktestRun.Kind.SINGLE
        )  # a walk-forward parent runs nowhere: its children are the jobs
        for run in stale:
            if run.cancel_requested:
                _finish_fields(run, Status.CANCELLED, message="cancelled (worker lost)")
                report.failed.append(run.pk)
            elif run.attempts < conf.max_attempts():
                run.status, run.progress = Status.QUEUED, 0
                run.progress_message = f"re-queued: worker lost after attempt {run.attempts}"
                run.celery_task_id = ""
                backtest_run_queue(run=run)
                report.requeued.append(run.pk)
            else:
                _finish_fields(run, Status.FAILED, message="failed", error=_lost_reason(run))
                report.failed.append(run.pk)
            run.save()
    if report.requeued or report.failed:
        logger.warning("reaped backtest runs: requeued=%s failed=%s", report.requeued, report.failed)
    return report
