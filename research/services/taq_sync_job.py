"""``taq_sync`` as a job of the one job model (kind ``taq_sync``, queue ``sync``, on the Jobs page).

``taq_sync_request`` creates (or finds) the job for symbols x exchanges x [start, end];
``taq_sync_job_run`` runs it (the task's and the command's body): progress per session, the job's
log one line per day, resumable through the per-day state under ``DATA_DIR/taq/sync/<key>/`` (a
retried or re-queued job skips the days already done). ``taq_sync_incremental`` (the
``taq-nightly`` schedule) continues every earlier successful sync to the last completed session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from quant import calendars
from quant.jobs.runner import JobRun, RunOutcome, job_run
from quant.jobs.services import job_create, job_get_or_create, job_queue
from quant.locks import LockBusy
from quant.models import Job
from research.services.taq_sync import taq_sync_run
from warehouse.publish import ValidationFailed
from warehouse.sources.wrds.client import WrdsClient, get_client
from warehouse.sources.wrds.taq import TaqLimitExceeded

KIND = "taq_sync"
Progress = Callable[[int, int, dt.date, str], None]


def taq_sync_key(symbols: list[str], exchanges: list[str] | None) -> str:
    """The state folder name of a symbols x exchanges selection."""
    return f"{'-'.join(sorted(symbols))[:60]}_{exchanges and '-'.join(exchanges) or 'all'}"


def taq_sync_request(
    *, symbols: list[str], start: dt.date, end: dt.date, exchanges: list[str] | None = None,
    requested_by: object = None, force: bool = False,
) -> tuple[Job, bool]:  # fmt: skip
    """The live job for this selection (queued, running or succeeded), or a new queued one; with
    ``force`` always a new one (a succeeded sync run again, e.g. after WRDS corrections)."""
    if end < start:
        raise ValueError("--end is before --start")
    params = {"symbols": sorted(symbols), "start": start.isoformat(), "end": end.isoformat(),
              "exchanges": exchanges}  # fmt: skip
    label = f"TAQ sync {', '.join(sorted(symbols))[:80]} {start}..{end}"
    if force:
        return job_create(kind=KIND, label=label, requested_by=requested_by, params=params), True
    key = f"{taq_sync_key(symbols, exchanges)}:{start}:{end}"
    return job_get_or_create(kind=KIND, idempotency_key=key, label=label, requested_by=requested_by, params=params)


def taq_sync_job_run(
    *, job_id: int, task_id: str = "", client: WrdsClient | None = None, progress: Progress | None = None
) -> RunOutcome:
    """Run job ``job_id`` (a no-op when it is finished or running elsewhere)."""

    def body(run: JobRun) -> str:
        p = Job.objects.get(pk=job_id).params
        symbols, exchanges = list(p["symbols"]), p["exchanges"]

        def step(i: int, n: int, day: dt.date, status: str) -> None:
            run.log(f"{day} {status}")
            run.progress(i / n, f"{i}/{n} sessions, {day} {status}", force=i == n)
            if progress is not None:
                progress(i, n, day, status)

        run.progress(0.0, "fetching from WRDS", force=True)
        results = taq_sync_run(
            client=client or get_client(), symbols=symbols, start=dt.date.fromisoformat(p["start"]),
            end=dt.date.fromisoformat(p["end"]), state_dir=settings.DATA_DIR / "taq" / "sync" /
            taq_sync_key(symbols, exchanges), exchanges=exchanges, progress=step,
        )  # fmt: skip
        return "; ".join(f"{r.dataset} v{r.version} ({r.rows:,} rows)" for r in results)

    expected = (ValueError, TaqLimitExceeded, ValidationFailed, LockBusy)
    return job_run(job_id=job_id, task_id=task_id, body=body, expected=expected, time_limit_seconds=6 * 3600)


def taq_sync_requeue(job: Job) -> None:
    """Queue the task of a ``taq_sync`` job (also the kind's ``requeue``)."""
    from research.tasks import taq_sync_task

    job_queue(job=job, task=taq_sync_task, kwargs={"job_id": job.pk})


def taq_sync_queue(**request: object) -> Job:
    """``taq_sync_request`` and queue the job after commit when it is new."""
    with transaction.atomic():
        job, created = taq_sync_request(**request)  # type: ignore[arg-type]
        if created:
            taq_sync_requeue(job)
    return job


def taq_sync_incremental(*, today: dt.date | None = None) -> list[Job]:
    """Queue, for each selection (symbols x exchanges) with a succeeded sync, a sync from the day after
    its last synced day to the last completed session; nothing when it is already there."""
    last = calendars.previous_session((today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=1))
    latest: dict[tuple[tuple[str, ...], tuple[str, ...] | None], dt.date] = {}
    for params in Job.objects.filter(kind=KIND, status=Job.Status.SUCCEEDED).values_list("params", flat=True):
        ex = params.get("exchanges")
        key = (tuple(params["symbols"]), tuple(ex) if ex else None)
        latest[key] = max(latest.get(key, dt.date.min), dt.date.fromisoformat(params["end"]))
    queued = []
    for (symbols, exchanges), end in sorted(latest.items()):
        if end < last:
            queued.append(taq_sync_queue(symbols=list(symbols), start=end + dt.timedelta(days=1), end=last,
                                         exchanges=list(exchanges) if exchanges else None))  # fmt: skip
    return queued
