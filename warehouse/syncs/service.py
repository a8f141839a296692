"""Sync services called by the `wrds_sync` command and the Celery tasks."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from quant.jobs.runner import JobRun, job_run
from quant.jobs.services import job_queue
from quant.locks import LockInfo, read_lock
from quant.models import Job
from warehouse.models_sync import SyncRun
from warehouse.providers.base import DataProvider
from warehouse.services import DEMO_SOURCE, SyncResult, warehouse_sync_demo
from warehouse.sources.kenfrench import QUERY_HASH, FrenchResult, french_import, french_sync
from warehouse.sources.sink import Sink, default_publisher
from warehouse.sources.wrds.client import get_client
from warehouse.sources.wrds.queries import DATASETS, dataset_query
from warehouse.syncs import checkpoint as ck
from warehouse.syncs.manager import SOURCE, Progress, QueryRunner, SyncOutcome, WrdsSyncManager
from warehouse.syncs.records import OrmRecorder, sync_job_create, sync_job_finish

logger = logging.getLogger("quantdesk.syncs")
FRENCH_DATASETS = ("ff_factors", "ff_industries")
DemoProgress = Callable[[str, float], None]


class SyncNotRun(RuntimeError):
    """The sync job was not run (finished already, running elsewhere, or not re-runnable)."""


@dataclass(frozen=True)
class DatasetStatus:
    dataset: str
    watermark: dt.date | None
    rows: int | None
    last_run: SyncRun | None
    checkpoint: ck.Checkpoint | None


def resolve_datasets(names: list[str] | None, *, all_datasets: bool = False) -> list[str]:
    """Validate dataset names (or all WRDS datasets); raise ValueError naming the valid choices."""
    if all_datasets or not names:
        return list(DATASETS)
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise ValueError(f"Unknown WRDS dataset(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}.")
    return names


def _years(handle: JobRun, bar: Progress | None) -> Progress:
    """The manager's per-year progress, recorded on the job (and shown on the command's bar)."""

    def update(year: int, done: int, total: int) -> None:
        handle.progress(done / total if total else 1.0, f"year {year} saved ({done}/{total})")
        if bar is not None:
            bar(year, done, total)

    return update


def _wrds_job(
    *, job_id: int, task_id: str = "", runner: QueryRunner | None = None, sink: Sink | None = None,
    bar: Progress | None = None,
) -> SyncOutcome:  # fmt: skip
    """Run the WRDS ``sync`` job ``job_id`` (one dataset, its mode and years in the job's params)."""
    params = Job.objects.values_list("params", flat=True).get(pk=job_id)
    dataset, mode = params["datasets"][0], params["mode"]
    done: list[SyncOutcome] = []

    def body(handle: JobRun) -> str:
        recorder = OrmRecorder(run=handle)
        manager = WrdsSyncManager(runner or get_client(), sink or default_publisher(), recorder=recorder)
        if mode == "full":
            start_year, end_year = params.get("start_year"), params.get("end_year")
            outcome = manager.full(dataset, start_year=start_year, end_year=end_year, progress=_years(handle, bar))
        elif mode == "incremental":
            outcome = manager.incremental(dataset)
        else:
            raise ValueError(f"Unknown sync mode {mode!r} (full or incremental).")
        done.append(outcome)
        return outcome.message or recorder.message or f"{outcome.rows:,} rows, version {outcome.version}"

    result = job_run(job_id=job_id, task_id=task_id, body=body)
    if not done:
        raise SyncNotRun(f"sync job {job_id} did not run: {result.status} {result.detail}".strip())
    return done[0]


def wrds_sync_run(
    *,
    datasets: list[str],
    mode: str,
    start_year: int | None = None,
    end_year: int | None = None,
    sink: Sink | None = None,
    runner: QueryRunner | None = None,
    progress: Callable[[str], Progress | None] | None = None,
    task_id: str = "",
    requested_by: object = None,
) -> tuple[list[SyncOutcome], dict[str, str]]:
    """Run ``mode`` ("full"/"incremental") for each dataset, each as its own ``sync`` job (under the
    Celery ``task_id``, or a local id). Returns (outcomes, failures by dataset).

    A busy ``warehouse`` lock (`quant.locks.LockBusy`) stops the whole batch and propagates: the
    refusal is already recorded as a failed job with the message "refused: <holder>".
    """
    from quant.locks import LockBusy

    runner, sink = runner or get_client(), sink or default_publisher()
    outcomes: list[SyncOutcome] = []
    failures: dict[str, str] = {}
    for name in datasets:
        job = sync_job_create(source=SOURCE, datasets=[name], mode=mode, requested_by=requested_by,
                              params={"start_year": start_year, "end_year": end_year})  # fmt: skip
        bar = progress(name) if progress and mode == "full" else None
        try:
            outcomes.append(_wrds_job(job_id=job.pk, task_id=task_id, runner=runner, sink=sink, bar=bar))
        except LockBusy:
            raise
        except Exception as exc:
            logger.exception("WRDS %s sync of %s failed.", mode, name)
            failures[name] = f"{type(exc).__name__}: {exc}"
    return outcomes, failures


def wrds_sync_status(*, sink: Sink | None = None) -> list[DatasetStatus]:
    """Per WRDS dataset: watermark and rows of the current version, last SyncRun, newest checkpoint."""
    sink = sink or default_publisher()
    statuses = []
    for name in DATASETS:
        column = dataset_query(name).date_column
        current = sink.read_current(name)
        watermark = None if current is None or current.height == 0 else current.select(pl.col(column).max()).item()
        statuses.append(
            DatasetStatus(
                dataset=name,
                watermark=watermark,
                rows=None if current is None else current.height,
                last_run=SyncRun.objects.select_related("job")
                .filter(dataset=name, source=SOURCE)
                .order_by("-pk")
                .first(),
                checkpoint=ck.latest(name),
            )
        )
    return statuses


def warehouse_lock_holder() -> LockInfo | None:
    return read_lock("warehouse")


def french_sync_run(
    *, files: list[str] | None = None, path: Path | None = None, retry_count: int = 3, pause: float = 1.0,
    sink: Sink | None = None, task_id: str = "", requested_by: object = None,
) -> list[FrenchResult]:  # fmt: skip
    """Ken French download (or, with ``path``, an import of hand-downloaded files): one ``sync`` job
    with a SyncRun per dataset."""
    mode = "import" if path is not None else "full"
    params = {"files": files, "path": str(path) if path is not None else None, "retry_count": retry_count,
              "pause": pause}  # fmt: skip
    job = sync_job_create(source="kenfrench", datasets=FRENCH_DATASETS, mode=mode, params=params,
                          requested_by=requested_by)  # fmt: skip
    return _french_job(job_id=job.pk, task_id=task_id, sink=sink)


def _french_job(*, job_id: int, task_id: str = "", sink: Sink | None = None) -> list[FrenchResult]:
    from quant.locks import LockBusy

    params = Job.objects.values_list("params", flat=True).get(pk=job_id)
    mode = params["mode"]
    done: list[list[FrenchResult]] = []

    def body(handle: JobRun) -> str:
        target = sink or default_publisher()
        recorder = OrmRecorder(run=handle)
        runs = {
            d: recorder.start(dataset=d, source="kenfrench", mode=mode, query_hash=QUERY_HASH) for d in FRENCH_DATASETS
        }
        try:
            if params.get("path"):
                results = french_import(target, Path(params["path"]))
            else:
                results = french_sync(target, files=params.get("files"), retry_count=params.get("retry_count", 3),
                                      pause=params.get("pause", 1.0))  # fmt: skip
        except LockBusy as exc:
            for run in runs.values():
                recorder.finish(run, status="refused", error=str(exc))
            raise
        except Exception as exc:
            for run in runs.values():
                recorder.finish(run, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        published = {r.dataset: r for r in results}
        for dataset, run in runs.items():
            r = published.get(dataset)
            if r is None:
                recorder.finish(run, status="succeeded", rows=0, log=f"{dataset}: no input files; nothing published")
            else:
                recorder.finish(
                    run, status="succeeded", rows=r.rows, version=r.version, log=f"{dataset}: source {mode}"
                )
        done.append(results)
        return f"published {', '.join(f'{r.dataset} {r.version}' for r in results) or 'nothing'}"

    result = job_run(job_id=job_id, task_id=task_id, body=body)
    if not done:
        raise SyncNotRun(f"sync job {job_id} did not run: {result.status} {result.detail}".strip())
    return done[0]


def sync_job_execute(*, job_id: int, task_id: str = "") -> str:
    """Run a queued ``sync`` job from its params (a retry, or a worker-lost re-queue); returns its status."""
    source = Job.objects.values_list("params__source", flat=True).get(pk=job_id)
    if source == SOURCE:
        _wrds_job(job_id=job_id, task_id=task_id)
    elif source == "kenfrench":
        _french_job(job_id=job_id, task_id=task_id)
    elif source == DEMO_SOURCE:
        _demo_job(job_id=job_id, task_id=task_id)
    else:

        def refuse(handle: JobRun) -> str:
            raise SyncNotRun(f"a {source!r} sync cannot be re-run from its job; run its command again")

        job_run(job_id=job_id, task_id=task_id, body=refuse, expected=(SyncNotRun,))
    return Job.objects.values_list("status", flat=True).get(pk=job_id)


def sync_job_requeue(job: Job) -> None:
    """Queue a ``sync`` job's task again (the kind's ``requeue``)."""
    from warehouse.tasks import sync_job_task

    job_queue(job=job, task=sync_job_task, args=(job.pk,))


def demo_sync_run(
    *, stocks: int, years: int, seed: int, force: bool = False, writer: str = "warehouse_sync",
    progress: DemoProgress | None = None, task_id: str = "", requested_by: object = None,
) -> SyncResult:  # fmt: skip
    """Build the demo warehouse as a ``sync`` job (one SyncRun per published dataset)."""
    params = {"stocks": stocks, "years": years, "seed": seed, "force": force}
    job = sync_job_create(source=DEMO_SOURCE, datasets=[], mode="full", params=params, requested_by=requested_by)
    return _demo_job(job_id=job.pk, task_id=task_id, writer=writer, progress=progress)


def _demo_job(
    *, job_id: int, task_id: str = "", writer: str = "warehouse_sync", progress: DemoProgress | None = None
) -> SyncResult:
    from quant.locks import LockBusy

    params = Job.objects.values_list("params", flat=True).get(pk=job_id)
    done: list[SyncResult] = []

    def body(handle: JobRun) -> str:
        steps: list[str] = []

        def tick(label: str, fraction: float) -> None:
            if not steps or steps[-1] != label:  # one log line per step (the dashboard's log viewer)
                steps.append(label)
                handle.log(f"demo: {label}")
            handle.progress(fraction, label)
            if progress is not None:
                progress(label, fraction)

        try:
            result = warehouse_sync_demo(stocks=params["stocks"], years=params["years"], seed=params["seed"],
                                         force=params["force"], writer=writer, progress=tick)  # fmt: skip
        except LockBusy as exc:
            sync_job_finish(claim=handle.claim, run=handle, status="refused", error=str(exc))
            raise
        SyncRun.objects.bulk_create(
            SyncRun(job_id=job_id, dataset=p.dataset, source=DEMO_SOURCE, mode="full", rows=p.rows,
                    version=str(p.version))
            for p in result.published
        )  # fmt: skip
        done.append(result)
        handle.log(result.message)
        return result.message

    result = job_run(job_id=job_id, task_id=task_id, body=body)
    if not done:
        raise SyncNotRun(f"sync job {job_id} did not run: {result.status} {result.detail}".strip())
    return done[0]


def provider_fetch_run(
    *, provider: DataProvider, method: str, symbols: list[str], start: dt.date, end: dt.date,
    requested_by: object = None,
) -> pl.DataFrame:  # fmt: skip
    """``fetch_data``: one provider read (bars, total returns, fundamentals) recorded as a ``sync`` job
    (no dataset is published, so no SyncRun; the job cannot be re-run from its row)."""
    params = {"provider": provider.name, "method": method, "symbols": symbols, "start": start.isoformat(),
              "end": end.isoformat()}  # fmt: skip
    job = sync_job_create(source="fetch_data", datasets=[], mode=method, params=params, requested_by=requested_by)
    frames: list[pl.DataFrame] = []

    def body(handle: JobRun) -> str:
        frames.append(getattr(provider, method)(symbols, start, end))
        return f"{frames[0].height:,} rows of {method} for {len(symbols)} symbol(s) from {provider.name}"

    job_run(job_id=job.pk, body=body, task_id="")
    return frames[0]
