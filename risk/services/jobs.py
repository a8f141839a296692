"""Orchestration: build the model + built-in portfolios; queue it (the nightly schedule: risk/schedules.py)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from quant.jobs import enqueue_on_commit
from risk.models import RiskModelRun
from risk.services.model_build import Progress, risk_model_build, risk_model_execute, risk_model_request
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


def risk_refresh(
    *, as_of: dt.date | None = None, universe: str = "all", start: dt.date | None = None, run_id: int | None = None,
    writer: str = "risk_build", progress: Progress | None = None,
) -> RiskModelRun:  # fmt: skip
    """Build (or reuse) the model, register it in the model registry (staging), then build the
    built-in portfolios from it."""
    if run_id is not None:
        run = risk_model_execute(run_id=run_id, writer=writer, progress=progress)
    else:
        run = risk_model_build(
            as_of=as_of or warehouse_last_date(), universe=universe, start=start, writer=writer, progress=progress
        )
    risk_model_register(run)
    builtin_portfolios_build(run=run)
    return run


def risk_rebuild_queue(*, as_of: dt.date | None = None, universe: str = "all") -> RiskModelRun:
    """Create (or find) the run row and queue its build on the "analytics" queue after commit.

    Nothing is queued when the same inputs already succeeded or are being built right now.
    """
    from risk.tasks import QUEUE, risk_build_task

    with transaction.atomic():
        run = risk_model_request(as_of=as_of or warehouse_last_date(), universe=universe)
        if run.status not in (RiskModelRun.Status.SUCCEEDED, RiskModelRun.Status.RUNNING):
            RiskModelRun.objects.filter(pk=run.pk).update(status=RiskModelRun.Status.QUEUED)
            enqueue_on_commit(risk_build_task, kwargs={"run_id": run.pk}, queue=QUEUE)
    run.refresh_from_db()
    return run
