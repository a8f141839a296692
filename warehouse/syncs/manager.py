"""WRDS sync manager: resumable full syncs by year and incremental syncs from each dataset's watermark.

- **full**: plans the years from the upstream min/max date, downloads one year per query into
  ``year=YYYY.parquet`` chunks recorded in a checkpoint (see `warehouse.syncs.checkpoint`), then
  concatenates and publishes one dataset version. A re-run after a crash or Ctrl-C resumes after the
  last complete chunk; the result is identical to an uninterrupted run.
- **incremental**: re-fetches from ``watermark - overlap`` (watermark = max partition date of the
  current version), replaces the current rows of that window with the fresh ones (dedupe on the key)
  and publishes if anything changed. Small slowly-changing tables (names, links, delistings: rows are
  revised in place) are re-fetched whole.

Downloads run under the ``warehouse`` lock, so a second sync is refused with `LockBusy`; the publish
step goes through the `Sink`, which takes the lock itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import polars as pl
import psycopg2.errors
import sqlalchemy.exc

from quant.io import atomic_write
from quant.locks import LockBusy, LockHandle, domain_lock
from warehouse.sources.sink import Sink
from warehouse.sources.wrds.convert import SchemaDrift, to_schema
from warehouse.sources.wrds.queries import DatasetQuery, dataset_query
from warehouse.syncs import checkpoint as ck
from warehouse.syncs.records import NullRecorder, Recorder

logger = logging.getLogger("quantdesk.syncs")

SOURCE = "wrds"
FULL_RANGE = {"start": dt.date(1900, 1, 1), "end": dt.date(2999, 12, 31)}
REFETCH_WHOLE = frozenset({"crsp_names", "crsp_delist", "ccm_link"})
OVERLAP_DAYS = {"crsp_daily": 10, "crsp_monthly": 62, "ff_factors": 62, "compustat_quarterly": 190}
DEFAULT_OVERLAP_DAYS = 400  # annual fundamentals are restated within about a year
# Test hook: `QUANTDESK_SYNC_PAUSE_AFTER_YEAR=<year>` prints "PAUSE year=<year>" once that year's chunk
# and checkpoint are on disk and sleeps there, so a test can SIGKILL a `manage.py wrds_sync` at a
# known point. Unset in normal runs (like `warehouse.publish.PAUSE_ENV`).
PAUSE_AFTER_YEAR_ENV = "QUANTDESK_SYNC_PAUSE_AFTER_YEAR"


class QueryRunner(Protocol):
    def raw_sql(self, sql: str, *, params: dict[str, Any] | None = None, date_cols: list[str] | None = None) -> Any: ...


# progress(year just saved, years saved in this run, years to download in this run)
Progress = Callable[[int, int, int], None]


class NoUpstreamRows(RuntimeError):
    """WRDS returned nothing for a dataset: refuse to publish an empty version."""


@dataclass
class SyncOutcome:
    dataset: str
    mode: str
    status: str
    rows: int = 0
    version: str = ""
    run_id: str = ""
    years: list[int] = field(default_factory=list)
    resumed_years: list[int] = field(default_factory=list)
    message: str = ""


def run_sql(runner: QueryRunner, query: DatasetQuery, sql: str, params: dict[str, Any], date_cols: list[str]) -> Any:
    """Run ``sql``; a table or column WRDS no longer has is reported as `SchemaDrift`."""
    try:
        return runner.raw_sql(sql, params=params, date_cols=date_cols)
    except sqlalchemy.exc.ProgrammingError as exc:
        if isinstance(exc.orig, psycopg2.errors.UndefinedColumn | psycopg2.errors.UndefinedTable):
            raise SchemaDrift(f"{query.dataset}: upstream schema changed: {str(exc.orig).splitlines()[0]}") from exc
        raise


def fetch(runner: QueryRunner, query: DatasetQuery, start: dt.date, end: dt.date) -> pl.DataFrame:
    """One query for ``[start, end]`` on the partition date, converted to the dataset's schema."""
    raw = run_sql(runner, query, query.sql, {"start": start, "end": end}, query.date_columns)
    return to_schema(raw, query)


def _sorted(frame: pl.DataFrame, query: DatasetQuery) -> pl.DataFrame:
    return frame.sort(list(query.key), nulls_last=True)


def _check_key(frame: pl.DataFrame, query: DatasetQuery) -> None:
    dupes = frame.height - frame.select(query.key).unique().height
    if dupes:
        raise SchemaDrift(f"{query.dataset}: {dupes} duplicate rows on the key {', '.join(query.key)}.")


def _pause_after(year: int) -> None:
    if os.environ.get(PAUSE_AFTER_YEAR_ENV) == str(year):
        print(f"PAUSE year={year}", flush=True)  # read by the SIGKILL test
        time.sleep(3600)


class WrdsSyncManager:
    """Runs WRDS syncs into a `Sink`. ``on_chunk(year, rows)`` is called after each year is saved."""

    def __init__(
        self,
        runner: QueryRunner,
        sink: Sink,
        *,
        writer: str = "wrds_sync",
        recorder: Recorder | None = None,
        sync_root: Path | None = None,
        lock_dir: Path | None = None,
        on_chunk: Callable[[int, int], None] | None = None,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
    ) -> None:
        self.runner = runner
        self.sink = sink
        self.writer = writer
        self.recorder = recorder or NullRecorder()
        self.sync_root = sync_root
        self.lock_dir = lock_dir
        self.on_chunk = on_chunk
        self.today = today

    # --- full -----------------------------------------------------------------------------------
    def _plan(self, query: DatasetQuery, start_year: int | None, end_year: int | None) -> ck.Checkpoint:
        bounds = run_sql(self.runner, query, query.bounds_sql, FULL_RANGE, ["lo", "hi"])
        lo, hi = bounds["lo"].iloc[0], bounds["hi"].iloc[0]
        if pd.isna(lo) or pd.isna(hi):
            raise NoUpstreamRows(f"WRDS returned no rows for {query.dataset}; nothing to publish.")
        first = max(pd.Timestamp(lo).year, start_year or 0)
        last = min(pd.Timestamp(hi).year, end_year or 9999)
        if first > last:
            raise NoUpstreamRows(f"{query.dataset}: no upstream rows between {start_year} and {end_year}.")
        root = self.sync_root or ck.sync_root()
        return ck.Checkpoint(query.dataset, ck.new_run_id(), query.query_hash, first, last, root=root)

    def _download(self, query: DatasetQuery, ckpt: ck.Checkpoint, progress: Progress | None, lock: LockHandle) -> None:
        pending = ckpt.pending_years()
        for index, year in enumerate(pending, start=1):
            frame = fetch(self.runner, query, dt.date(year, 1, 1), dt.date(year, 12, 31))
            atomic_write(ckpt.chunk_path(year), frame.write_parquet)
            ckpt.record_chunk(year, frame.height)
            lock.refresh()  # a full CRSP download can outlast the lock's 4-hour expiry
            logger.info("%s: year %d saved (%d rows).", query.dataset, year, frame.height)
            if progress is not None:
                progress(year, index, len(pending))
            if self.on_chunk is not None:
                self.on_chunk(year, frame.height)
            _pause_after(year)

    def full(
        self,
        dataset: str,
        *,
        start_year: int | None = None,
        end_year: int | None = None,
        progress: Progress | None = None,
    ) -> SyncOutcome:
        """Download ``dataset`` year by year (resuming an unfinished run of the same query) and publish it."""
        query = dataset_query(dataset)
        run = self.recorder.start(dataset=dataset, source=SOURCE, mode="full", query_hash=query.query_hash)
        ckpt: ck.Checkpoint | None = None
        try:
            with domain_lock("warehouse", writer=f"{self.writer}:{dataset}", directory=self.lock_dir) as lock:
                self.recorder.close_abandoned(dataset=dataset, source=SOURCE, current=run)
                ckpt = ck.find_resumable(dataset, query.query_hash, root=self.sync_root)
                if ckpt is not None and start_year is not None and ckpt.start_year != start_year:
                    ckpt = None  # a different range was asked for: start over
                if ckpt is None:
                    ckpt = self._plan(query, start_year, end_year)
                    ckpt.save()
                resumed = [y for y in ckpt.years() if ckpt.done(y)]
                if resumed:
                    logger.info("%s: resuming run %s after years %s.", dataset, ckpt.run_id, resumed)
                self._download(query, ckpt, progress, lock)
                ckpt.state = ck.PUBLISHING
                ckpt.save()
            frame = pl.concat([pl.read_parquet(ckpt.chunk_path(y)) for y in ckpt.years()], how="vertical")
            frame = _sorted(frame, query)
            _check_key(frame, query)
            version = self.sink.publish(
                dataset, frame, source=SOURCE, query_hash=query.query_hash, writer=f"{self.writer}:{dataset}",
                expected_rows=frame.height,
            )  # fmt: skip
            ckpt.state, ckpt.version = ck.PUBLISHED, version
            ckpt.save()
            ckpt.remove_chunks()
        except LockBusy as exc:
            self.recorder.finish(run, status="refused", error=str(exc))
            raise
        except KeyboardInterrupt:
            self.recorder.finish(run, status="interrupted", error="Interrupted (Ctrl-C); re-run to resume.",
                                 checkpoint=str(ckpt.path) if ckpt else "")  # fmt: skip
            raise
        except Exception as exc:
            if ckpt is not None and ckpt.state == ck.PUBLISHING and not isinstance(exc, OSError):
                # The downloaded data was rejected (duplicate keys, the warehouse's validation): never
                # resume from these chunks; the next run downloads afresh. I/O errors stay resumable.
                ckpt.state, ckpt.error = ck.FAILED, str(exc)
                ckpt.save()
            self.recorder.finish(run, status="failed", error=f"{type(exc).__name__}: {exc}",
                                 checkpoint=str(ckpt.path) if ckpt else "")  # fmt: skip
            raise
        log = f"years {ckpt.start_year}-{ckpt.end_year}; resumed {len(resumed)} year(s) from run {ckpt.run_id}"
        self.recorder.finish(run, status="succeeded", rows=frame.height, version=version, log=log,
                             checkpoint=str(ckpt.path))  # fmt: skip
        return SyncOutcome(dataset, "full", "succeeded", frame.height, version, ckpt.run_id, ckpt.years(), resumed)

    # --- incremental ----------------------------------------------------------------------------
    def incremental(self, dataset: str, *, overlap_days: int | None = None) -> SyncOutcome:
        """Fetch from the watermark minus an overlap window, merge, publish if anything changed."""
        query = dataset_query(dataset)
        current = self.sink.read_current(dataset)
        if current is None or current.height == 0:
            logger.info("%s has no published version: running a full sync.", dataset)
            return self.full(dataset)
        run = self.recorder.start(dataset=dataset, source=SOURCE, mode="incremental", query_hash=query.query_hash)
        try:
            with domain_lock("warehouse", writer=f"{self.writer}:{dataset}", directory=self.lock_dir):
                self.recorder.close_abandoned(dataset=dataset, source=SOURCE, current=run)
                merged, start, fresh = self._merge(query, current, overlap_days)
            if merged.equals(current):
                message = f"up to date ({fresh} rows re-fetched since {start}, no change)"
                self.recorder.finish(run, status="succeeded", rows=0, log=message)
                return SyncOutcome(dataset, "incremental", "succeeded", 0, message=message)
            version = self.sink.publish(
                dataset, merged, source=SOURCE, query_hash=query.query_hash, writer=f"{self.writer}:{dataset}",
                expected_rows=merged.height,
            )  # fmt: skip
        except LockBusy as exc:
            self.recorder.finish(run, status="refused", error=str(exc))
            raise
        except Exception as exc:
            self.recorder.finish(run, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        added = merged.height - current.height
        message = f"re-fetched {fresh} rows since {start}; {added:+d} rows; version {version}"
        self.recorder.finish(run, status="succeeded", rows=merged.height, version=version, log=message)
        return SyncOutcome(dataset, "incremental", "succeeded", merged.height, version, message=message)

    def _merge(
        self, query: DatasetQuery, current: pl.DataFrame, overlap_days: int | None
    ) -> tuple[pl.DataFrame, dt.date, int]:
        current = current.select([pl.col(c).cast(t) for c, t in query.schema.items()])
        if query.dataset in REFETCH_WHOLE:
            start = FULL_RANGE["start"]
        else:
            watermark = current.get_column(query.date_column).max()
            assert isinstance(watermark, dt.date)  # `incremental` only merges into a non-empty version
            overlap = OVERLAP_DAYS.get(query.dataset, DEFAULT_OVERLAP_DAYS) if overlap_days is None else overlap_days
            start = watermark - dt.timedelta(days=overlap)
        fresh = fetch(self.runner, query, start, self.today())
        kept = current.filter(pl.col(query.date_column) < start)
        merged = pl.concat([kept, fresh], how="vertical").unique(subset=list(query.key), keep="last")
        merged = _sorted(merged, query)
        _check_key(merged, query)
        return merged, start, fresh.height
