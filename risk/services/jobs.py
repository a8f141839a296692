"""Orchestration: build the model + built-in portfolios; queue it (the nightly schedule: risk/schedules.py)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from quant.jobs.runner import RunOutcome
from quant.jobs.services import job_queue
from quant.models import Job
from risk.models import RiskModelRun
from risk.services.model_build import Progress, risk_model_build, risk_model_request, risk_model_run
from risk.services.portfolios import builtin_portfolios_build
from risk.services.registry import risk_model_register
from warehouse import storage


def warehouse_last_date() -> dt.date:
    """The last date of the published ``crsp_daily`` (the natural ``as_of``)."""
    version = storage.current_version("crsp_daily")
    m = None if version is None else storage.load_manifest("crsp_daily", version)
    if m is None or m.date_max is None:  # no version, or a version without rows
        raise FileNotFoundError("The warehouse has no crsp_daily: run `python manage.py warehouse_sync --source demo`.")
    return dt.date.fromisoformat(m.date_max)


def risk_portfolios_refresh(run: RiskModelRun) -> None:
    """Register a built model in the model registry (staging) and build the built-in portfolios from
    it (both idempotent)."""
    risk_model_register(run)
    builtin_portfolios_build(run=run)


def risk_refresh(
    *, as_of: dt.date | None = None, universe: str = "all", start: dt.date | None = None,
    writer: str = "risk_build", progress: Progress | None = None, requested_by: object = None,
) -> RiskModelRun:  # fmt: skip
    """Build (or reuse) the model inline as its ``risk_build`` job, register it in the model registry
    (staging), then build the built-in portfolios from it. A failed build leaves the job failed
    with its error (check ``run.job.status``)."""
    run = risk_model_build(
        as_of=as_of or warehouse_last_date(), universe=universe, start=start, writer=writer, progress=progress,
        requested_by=requested_by, then=risk_portfolios_refresh,
    )  # fmt: skip
    if run.job.status == Job.Status.SUCCEEDED:
        risk_portfolios_refresh(run)  # a reused build: the portfolios follow the current holdings rules
    return run


def risk_build_job_run(*, job_id: int, task_id: str = "") -> RunOutcome:
    """The task's body: run build job ``job_id`` with the registry and portfolios steps."""
    return risk_model_run(job_id=job_id, task_id=task_id, then=risk_portfolios_refresh)


def risk_rebuild_queue(
    *, as_of: dt.date | None = None, universe: str = "all", requested_by: object = None
) -> RiskModelRun:
    """Create (or find) the run row and its job and queue the build on the "analytics" queue after
    commit. Nothing is queued when the same inputs already succeeded or are queued or running."""
    with transaction.atomic():
        request = risk_model_request(as_of=as_of or warehouse_last_date(), universe=universe, requested_by=requested_by)
        if request.created:
            risk_build_requeue(request.run.job)
    return request.run


def risk_build_requeue(job: Job) -> None:
    """Queue the build task of a ``risk_build`` job (also the kind's ``requeue``)."""
    from risk.tasks import risk_build_task

    job_queue(job=job, task=risk_build_task, kwargs={"job_id": job.pk})
