"""Writes of the data tools: run an explorer query (audited), create and run exports (jobs), prune.

Every query is audited with its text, user, datasets, rows and time, refused and failed ones too.
An export is a ``warehouse_export`` job (`quant.Job`) with a `DataExport` row; the file goes to
``<DATA_DIR>/exports/<owner>/`` and is deleted once the link expires.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from quant.io import atomic_write
from quant.jobs.runner import JobRun, job_run
from quant.jobs.services import job_create, job_queue
from quant.models import Job
from warehouse.explorer.access import allowed_datasets
from warehouse.explorer.engine import Limits, Page, QueryFailed, locked_connection, run_page, time_limit
from warehouse.explorer.guard import CheckedQuery, QueryRefused, check_query
from warehouse.models_explorer import DataExport, QueryAudit

EXPORT_KIND = "warehouse_export"
EXPORT_BATCH_ROWS = 200_000


@dataclass(frozen=True)
class QueryOutcome:
    """What the explorer page shows: a page of rows, or the one-line reason there is none."""

    audit: QueryAudit
    page: Page | None
    error: str = ""


def _audit(*, user: Any, sql: str, status: str, purpose: str = "query", **fields: Any) -> QueryAudit:
    return QueryAudit.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        sql=sql, status=status, purpose=purpose, **fields,
    )  # fmt: skip


def sql_query_run(*, user: Any, sql: str, page: int = 1, limits: Limits | None = None) -> QueryOutcome:
    """Check ``sql`` against ``user``'s allow-list, run one page of it, and audit the attempt."""
    page = max(1, page)
    try:
        checked = check_query(sql, allowed=allowed_datasets(user))
    except QueryRefused as exc:
        audit = _audit(user=user, sql=sql, status="refused", page=page, error=str(exc)[:500])
        return QueryOutcome(audit, None, str(exc))
    try:
        result = run_page(checked.sql, page=page, size=settings.EXPLORER_PAGE_ROWS,
                          max_rows=settings.EXPLORER_MAX_ROWS, limits=limits or Limits.from_settings())  # fmt: skip
    except QueryFailed as exc:
        audit = _audit(user=user, sql=sql, status="failed", page=page, datasets=list(checked.datasets),
                       error=str(exc)[:500])  # fmt: skip
        return QueryOutcome(audit, None, str(exc))
    audit = _audit(user=user, sql=sql, status="ok", page=page, datasets=list(checked.datasets),
                   rows=result.frame.height, elapsed_ms=result.elapsed_ms)  # fmt: skip
    return QueryOutcome(audit, result)


# --- exports -------------------------------------------------------------------------------------
def exports_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def data_export_create(*, user: Any, sql: str, fmt: str) -> DataExport:
    """Check ``sql`` for ``user`` and queue its export as a job; raises :class:`QueryRefused`."""
    if fmt not in DataExport.Format.values:
        raise QueryRefused(f"Unknown export format {fmt!r}; choose csv or parquet.")
    try:
        checked: CheckedQuery = check_query(sql, allowed=allowed_datasets(user))
    except QueryRefused as exc:
        _audit(user=user, sql=sql, status="refused", purpose="export", error=str(exc)[:500])
        raise
    expires = timezone.now() + dt.timedelta(hours=settings.EXPORT_TTL_HOURS)
    with transaction.atomic():
        job = job_create(kind=EXPORT_KIND, label=f"{fmt.upper()} export of {', '.join(checked.datasets) or 'a query'}",
                         requested_by=user, params={"format": fmt})  # fmt: skip
        export = DataExport.objects.create(job=job, owner=user, sql=checked.sql, datasets=list(checked.datasets),
                                           format=fmt, expires_at=expires)  # fmt: skip
        export_requeue(job)
    return export


def export_requeue(job: Job) -> None:
    """Queue the export job's task (the kind's ``requeue``: a retry or a lost worker)."""
    from warehouse.tasks import export_task

    job_queue(job=job, task=export_task, args=(job.pk,))


def write_query(
    sql: str, fmt: str, target: Path, *, seconds: float, on_batch: Callable[[int], None] | None = None
) -> int:
    """Stream the rows of checked ``sql`` into a CSV or Parquet file at ``target``; returns the rows.
    Runs on the explorer's locked connection, interrupted after ``seconds``."""
    rows = 0
    with locked_connection(Limits.from_settings()) as con, time_limit(con, seconds) as fired:
        try:
            reader = con.sql(sql).to_arrow_reader(EXPORT_BATCH_ROWS)
            writer: pacsv.CSVWriter | pq.ParquetWriter
            if fmt == "csv":
                writer = pacsv.CSVWriter(str(target), reader.schema)
            else:
                writer = pq.ParquetWriter(str(target), reader.schema, compression="zstd")
            with writer:
                for batch in reader:
                    writer.write_table(pa.Table.from_batches([batch]))
                    rows += batch.num_rows
                    if on_batch is not None:
                        on_batch(rows)
        except duckdb.Error as exc:
            if fired.is_set():
                raise QueryFailed(f"Stopped at the export time limit of {seconds:g} s.") from None
            raise QueryFailed(str(exc).splitlines()[0]) from None
    return rows


def _write(export: DataExport, handle: JobRun, tmp: Path) -> int:
    return write_query(export.sql, export.format, tmp, seconds=settings.EXPORT_TIME_LIMIT_SECONDS,
                       on_batch=lambda rows: handle.progress(0.5, f"{rows:,} rows written"))  # fmt: skip


def data_export_execute(*, job_id: int, task_id: str = "") -> str:
    """Run the export job ``job_id`` (write the file atomically, record rows and bytes)."""
    export = DataExport.objects.get(job_id=job_id)

    def body(handle: JobRun) -> str:
        started = time.perf_counter()
        target = exports_dir() / str(export.owner_id) / export.filename
        counted: list[int] = []
        atomic_write(target, lambda tmp: counted.append(_write(export, handle, tmp)))
        size = target.stat().st_size
        DataExport.objects.filter(pk=export.pk).update(path=str(target), rows=counted[0], bytes=size)
        _audit(user=export.owner, sql=export.sql, status="ok", purpose="export", datasets=export.datasets,
               rows=min(counted[0], 2**31 - 1), elapsed_ms=(time.perf_counter() - started) * 1000)  # fmt: skip
        return f"{counted[0]:,} rows, {size / 1e6:,.1f} MB {export.format.upper()}"

    return job_run(job_id=job_id, task_id=task_id, body=body, expected=(QueryFailed,)).status


def exports_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the files of expired exports (the rows stay, for the audit); returns how many."""
    now = now or timezone.now()
    pruned = 0
    for export in DataExport.objects.filter(expires_at__lte=now).exclude(path=""):
        Path(export.path).unlink(missing_ok=True)
        DataExport.objects.filter(pk=export.pk).update(path="")
        pruned += 1
    return pruned
