"""Sync services called by the `wrds_sync` command and the Celery tasks."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from quant.locks import LockInfo, read_lock
from warehouse.models_sync import SyncRun
from warehouse.sources.kenfrench import QUERY_HASH, FrenchResult, french_import, french_sync
from warehouse.sources.sink import Sink, default_publisher
from warehouse.sources.wrds.client import get_client
from warehouse.sources.wrds.queries import DATASETS, dataset_query
from warehouse.syncs import checkpoint as ck
from warehouse.syncs.manager import Progress, QueryRunner, SyncOutcome, WrdsSyncManager
from warehouse.syncs.records import OrmRecorder

logger = logging.getLogger("quantdesk.syncs")
FRENCH_DATASETS = ("ff_factors", "ff_industries")


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


def wrds_sync_run(
    *,
    datasets: list[str],
    mode: str,
    start_year: int | None = None,
    end_year: int | None = None,
    sink: Sink | None = None,
    runner: QueryRunner | None = None,
    progress: Callable[[str], Progress | None] | None = None,
) -> tuple[list[SyncOutcome], dict[str, str]]:
    """Run ``mode`` ("full"/"incremental") for each dataset. Returns (outcomes, failures by dataset).

    A busy ``warehouse`` lock (`quant.locks.LockBusy`) stops the whole batch and propagates: the
    refusal is already recorded as a SyncRun with status "refused".
    """
    from quant.locks import LockBusy

    manager = WrdsSyncManager(runner or get_client(), sink or default_publisher(), recorder=OrmRecorder())
    outcomes: list[SyncOutcome] = []
    failures: dict[str, str] = {}
    for name in datasets:
        try:
            if mode == "full":
                bar = progress(name) if progress else None
                outcomes.append(manager.full(name, start_year=start_year, end_year=end_year, progress=bar))
            elif mode == "incremental":
                outcomes.append(manager.incremental(name))
            else:
                raise ValueError(f"Unknown sync mode {mode!r} (full or incremental).")
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
                last_run=SyncRun.objects.filter(dataset=name, source="wrds").order_by("-started").first(),
                checkpoint=ck.latest(name),
            )
        )
    return statuses


def warehouse_lock_holder() -> LockInfo | None:
    return read_lock("warehouse")


def french_sync_run(
    *, files: list[str] | None = None, path: Path | None = None, retry_count: int = 3, pause: float = 1.0,
    sink: Sink | None = None,
) -> list[FrenchResult]:  # fmt: skip
    """Ken French download (or, with ``path``, an import of hand-downloaded files), one SyncRun per dataset."""
    sink = sink or default_publisher()
    recorder = OrmRecorder()
    mode = "import" if path is not None else "full"
    runs = {d: recorder.start(dataset=d, source="kenfrench", mode=mode, query_hash=QUERY_HASH) for d in FRENCH_DATASETS}
    try:
        if path is not None:
            results = french_import(sink, path)
        else:
            results = french_sync(sink, files=files, retry_count=retry_count, pause=pause)
    except Exception as exc:
        for run in runs.values():
            recorder.finish(run, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    published = {r.dataset: r for r in results}
    for dataset, run in runs.items():
        r = published.get(dataset)
        if r is None:
            recorder.finish(run, status="succeeded", rows=0, log="no input files for this dataset; nothing published")
        else:
            recorder.finish(run, status="succeeded", rows=r.rows, version=r.version, log=f"source {mode}")
    return results
