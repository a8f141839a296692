"""Run rows: create (idempotent) with their job, queue, cancel.

Where a run stands (claim, heartbeat, progress, finish, cancel, reap) is its ``quant.Job``'s
business (``quant.jobs.services`` and ``quant.jobs.runner``); this module creates the job and the
run in one transaction and queues the run's task on the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse

from backtests import conf
from backtests.configs import BacktestConfig
from backtests.models import BacktestRun
from quant.jobs.services import job_cancel, job_get_or_create, job_queue
from quant.models import Job
from quant.provenance import canonical_json, code_version, sha256_text

JOB_KIND = "backtest"
WALK_FORWARD_KIND = "walk_forward"

__all__ = [
    "CreateResult", "backtest_requeue", "backtest_result_url", "backtest_run_cancel", "backtest_run_create",
    "backtest_run_queue", "code_version",
]  # fmt: skip


@dataclass(frozen=True)
class CreateResult:
    run: BacktestRun
    created: bool


def run_key(config_hash: str, data_hash: str) -> str:
    """The idempotency key of a top-level run's job: the same config on the same data."""
    return f"{config_hash}/{data_hash}"


def backtest_run_create(
    *,
    config: BacktestConfig,
    owner: Any,
    priority: str = BacktestRun.Priority.NORMAL,
    label: str = "",
    strategy: Any = None,
    dataset_versions: dict[str, Any] | None = None,
) -> CreateResult:
    """Validate ``config``, create a queued job and its run and queue the task after commit.

    The same config on the same dataset versions returns the queued, running or succeeded run
    that already exists (``created=False``) instead of computing it twice.
    """
    from backtests.data import current_dataset_versions

    config.validate()
    if priority not in BacktestRun.Priority.values:
        raise ValueError(f"priority must be one of {BacktestRun.Priority.values}")
    versions = dataset_versions if dataset_versions is not None else current_dataset_versions(config)
    keys = {"config_hash": config.hash(), "data_hash": sha256_text(canonical_json(versions))}
    label = label or _default_label(config)
    with transaction.atomic():
        job, created = job_get_or_create(
            kind=JOB_KIND, idempotency_key=run_key(**keys), label=label, requested_by=owner, queue=conf.queue()
        )
        if not created:
            return CreateResult(BacktestRun.objects.select_related("job").get(job=job), False)
        run = BacktestRun.objects.create(
            **keys, job=job, config=config.as_json_dict(), dataset_versions=versions, code_version=code_version(),
            owner=owner, strategy=strategy, priority=priority, label=label,
        )  # fmt: skip
        backtest_run_queue(run)
    return CreateResult(run, True)


def _default_label(config: BacktestConfig) -> str:
    book = "L/S decile" if config.construction == "long_short_decile" else f"top {config.top_n}"
    return f"{config.signal} {config.rebalance} {book} {config.start:%Y}-{config.end:%Y}"


def backtest_run_queue(run: BacktestRun) -> None:
    """Queue the task for ``run`` on its job (after commit), at the run's Celery priority; also
    remembers the run on the job (``params.run_id``) for its result link."""
    from backtests.tasks import run_backtest

    if run.job.params.get("run_id") != run.pk:
        run.job.params = {**run.job.params, "run_id": run.pk}
        Job.objects.filter(pk=run.job_id).update(params=run.job.params)
    job_queue(job=run.job, task=run_backtest, args=(run.pk,), priority=conf.PRIORITY_LEVELS[run.priority])


def backtest_run_cancel(*, run: BacktestRun, by: Any = None) -> BacktestRun:
    """Stop a run through its job (``quant.jobs.services.job_cancel``): a queued run is cancelled
    at once; a running one is flagged (its progress callback stops it within a second or so) and,
    if it is stuck in a kernel, its task is terminated after ``JOBS_CANCEL_GRACE_SECONDS``. A
    walk-forward cancels its candidate runs too. Finished runs are left unchanged."""
    run.job = job_cancel(job=run.job, by=by)
    return run


def backtest_requeue(job: Job) -> None:
    """The ``backtest`` kind's ``requeue`` (the reaper after a lost worker, retry from the Jobs
    page): queue the run's task again for ``job`` (the caller's row, saved by the caller)."""
    run = BacktestRun.objects.get(job_id=job.pk)
    run.job = job
    backtest_run_queue(run)


def backtest_result_url(job: Job) -> str | None:
    """The run page of a backtest or walk-forward job."""
    run_id = job.params.get("run_id") or BacktestRun.objects.filter(job_id=job.pk).values_list("pk", flat=True).first()
    return reverse("backtests:detail", args=[run_id]) if run_id else None
