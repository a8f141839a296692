"""The one publish path of the warehouse: every source writes a dataset version through here.

Protocol (under the ``warehouse`` domain lock):

1. remove debris of crashed publishes (staging directories, version directories without a manifest);
2. write the new partitions into ``<dataset>/.staging-<uuid>/year=YYYY/part-<sha16>.parquet``
   (a partition byte-identical to the live version's is a hard link to it, not a copy);
3. validate; on failure move the staging directory to ``_quarantine/<dataset>/<timestamp>/`` with
   ``validation.json`` and raise `ValidationFailed` — the live version is untouched;
4. rename the staging directory to ``v<N>``, write ``manifests/<N>.json``;
5. switch the release (``release.json``, one atomic rename) to include N — **this is the publish**;
   a multi-dataset sync (`warehouse.services.publish_generated`) stages every dataset first
   (``release=False``) and switches the release once at the end, so readers see the old set or
   the new set, never a mix;
6. rebuild ``catalog.duckdb``.

A writer killed at any point leaves the previous version's files, manifest and pointer untouched.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from quant.events import validation_failed
from quant.io import atomic_write_bytes, atomic_write_text, fsync_dir, mark_verified, sha256_bytes
from quant.locks import LockHandle, domain_lock
from warehouse import storage
from warehouse.catalog import rebuild_catalog
from warehouse.datasets import SCHEMA_VERSION, get_spec
from warehouse.manifest import FileEntry, Manifest, ValidationReport
from warehouse.validation import validate_frame

LOCK_DOMAIN = "warehouse"
PARQUET_COMPRESSION: Final = "zstd"
ROW_GROUP_SIZE = 131_072
NULL_YEAR = 0  # partition of rows whose partition date is null
# Test hook: `QUANTDESK_WAREHOUSE_PAUSE_AT=<point>` prints "PAUSE <point>" and sleeps there, so a
# test can SIGKILL the writer at a known step. Unset in normal runs.
PAUSE_ENV = "QUANTDESK_WAREHOUSE_PAUSE_AT"

Progress = Callable[[str, float], None]


class ValidationFailed(storage.WarehouseError):
    """The new data failed validation; it was quarantined and the live version kept."""

    def __init__(self, report: ValidationReport, quarantine: Path) -> None:
        self.report = report
        self.quarantine = quarantine
        super().__init__(f"Validation failed, nothing published. {report.summary()}. Quarantined in {quarantine}.")


@dataclass(frozen=True)
class PublishResult:
    dataset: str
    version: int
    previous_version: int | None
    rows: int
    files_written: int
    files_linked: int
    manifest: Manifest


def _pause(point: str) -> None:
    if os.environ.get(PAUSE_ENV) == point:
        print(f"PAUSE {point}", flush=True)  # read by the SIGKILL test
        sys.stdout.flush()
        time.sleep(3600)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def clean_debris(dataset: str) -> list[Path]:
    """Delete what crashed publishes left behind. Only safe while holding the warehouse lock."""
    removed = storage.orphans(dataset)
    for path in removed:
        storage.remove_tree(path)
    return removed


def _parquet_bytes(part: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    part.write_parquet(buf, compression=PARQUET_COMPRESSION, statistics=True, row_group_size=ROW_GROUP_SIZE)
    return buf.getvalue()


def _stage(
    dataset: str, frame: pl.DataFrame, staging: Path, previous: Manifest | None, progress: Progress | None
) -> tuple[list[FileEntry], int]:
    """Write one file per partition year into ``staging``; returns entries (relative to staging) and links."""
    spec = get_spec(dataset)
    if spec.partition in frame.columns:
        years = frame.get_column(spec.partition).dt.year().fill_null(NULL_YEAR)
    else:
        years = pl.Series("year", [NULL_YEAR] * frame.height, dtype=pl.Int32)
    sort_key = list(spec.key) if set(spec.key) <= set(frame.columns) else []
    old = {(f.year, f.sha256): storage.dataset_dir(dataset) / f.path for f in (previous.files if previous else [])}
    entries, linked = [], 0
    distinct = sorted(years.unique().to_list())
    # One year at a time (filter + sort) so a 30M-row frame is never copied whole.
    for i, y in enumerate(distinct):
        part = frame.filter(years == y)
        if sort_key:
            part = part.sort(sort_key)
        data, rows = _parquet_bytes(part), part.height
        del part
        sha = sha256_bytes(data)
        rel = Path(f"year={y}") / f"part-{sha[:16]}.parquet"
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        source = old.get((int(y), sha))
        if source is not None and source.exists():
            os.link(source, target)
            fsync_dir(target.parent)
            linked += 1
        else:
            atomic_write_bytes(target, data)
        entries.append(FileEntry(path=str(rel), sha256=sha, rows=rows, bytes=len(data), year=int(y)))
        if i == 0:
            _pause("staged-file")
        if progress:
            progress(f"{dataset}: wrote year {y}", (i + 1) / len(distinct))
    return entries, linked


def _quarantine(dataset: str, staging: Path, report: ValidationReport) -> Path:
    stamp = _now().strftime("%Y%m%dT%H%M%S%fZ")
    target = storage.quarantine_dir() / dataset / stamp
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(staging, target)
    atomic_write_text(target / "validation.json", json.dumps(report.to_dict(), indent=2))
    return target


def _next_version(dataset: str) -> int:
    base = storage.dataset_dir(dataset)
    dirs = [int(p.name[1:]) for p in base.glob("v*") if p.name[1:].isdigit()]
    return max([0, *storage.list_versions(dataset), *dirs]) + 1


def _date_range(frame: pl.DataFrame, column: str) -> tuple[str | None, str | None]:
    if frame.height == 0 or column not in frame.columns:
        return None, None
    lo, hi = frame.select(pl.col(column).min().alias("lo"), pl.col(column).max().alias("hi")).row(0)
    return (lo.isoformat() if lo else None, hi.isoformat() if hi else None)


def _manifest(
    dataset: str,
    version: int,
    frame: pl.DataFrame,
    entries: list[FileEntry],
    report: ValidationReport,
    previous_version: int | None,
    source: str,
    query_hash: str,
) -> Manifest:
    spec = get_spec(dataset)
    date_min, date_max = _date_range(frame, spec.partition)
    return Manifest(
        dataset=dataset,
        version=version,
        created=_now().isoformat(),
        source=source,
        source_query_hash=query_hash,
        schema_version=SCHEMA_VERSION,
        columns={name: str(dtype) for name, dtype in frame.schema.items()},
        date_column=spec.partition,
        date_min=date_min,
        date_max=date_max,
        rows=frame.height,
        files=[FileEntry(**{**e.__dict__, "path": f"v{version}/{e.path}"}) for e in entries],
        null_counts=frame.null_count().row(0, named=True),
        validation=report,
        previous_version=previous_version,
    )


def _publish_locked(
    dataset: str,
    frame: pl.DataFrame,
    *,
    source: str,
    query_hash: str,
    expected_rows: int | None,
    allow_shrink: bool,
    progress: Progress | None,
    catalog: bool,
    release: bool,
) -> PublishResult:
    spec = get_spec(dataset)
    _pause("locked")
    base = storage.dataset_dir(dataset)
    base.mkdir(parents=True, exist_ok=True)
    clean_debris(dataset)
    previous_version = storage.current_version(dataset)
    previous = storage.load_manifest(dataset, previous_version) if previous_version is not None else None
    staging = base / f"{storage.STAGING_PREFIX}{uuid.uuid4().hex}"
    staging.mkdir()
    entries, linked = _stage(dataset, frame, staging, previous, progress)
    _pause("staged")
    report = validate_frame(spec, frame, previous=previous, expected=expected_rows, allow_shrink=allow_shrink)
    if not report.passed:
        quarantined = _quarantine(dataset, staging, report)
        # Alerts (a higher floor) listen; a failing receiver must not hide the refusal itself.
        validation_failed.send_robust(sender="warehouse.publish", dataset=dataset, version=None,
                                      report=report.to_dict(), quarantine=str(quarantined))  # fmt: skip
        raise ValidationFailed(report, quarantined)
    _pause("validated")
    version = _next_version(dataset)
    os.rename(staging, storage.version_dir(dataset, version))
    fsync_dir(base)
    for entry in entries:  # hashed from the bytes just written: the catalog build need not re-hash them
        mark_verified(storage.version_dir(dataset, version) / entry.path, entry.sha256)
    _pause("renamed")
    manifest = _manifest(dataset, version, frame, entries, report, previous_version, source, query_hash)
    atomic_write_text(storage.manifest_path(dataset, version), manifest.to_json())
    _pause("manifest")
    if release:
        storage.switch_release({dataset: version})
        _pause("flipped")
    if catalog:
        rebuild_catalog()
    return PublishResult(dataset, version, previous_version, frame.height, len(entries) - linked, linked, manifest)


def publish_dataset(
    dataset: str,
    frame: pl.DataFrame,
    *,
    source: str,
    query_hash: str,
    writer: str,
    expected_rows: int | None = None,
    allow_shrink: bool = False,
    lock: LockHandle | None = None,
    progress: Progress | None = None,
    catalog: bool = True,
    release: bool = True,
) -> PublishResult:
    """Validate ``frame`` and publish it as the next version of ``dataset``.

    Takes the ``warehouse`` lock (raises `quant.locks.LockBusy` when another writer holds it) unless
    the caller passes the ``lock`` it already holds. Raises `ValidationFailed` (new files quarantined,
    old version live) when a rule fails. ``catalog=False`` skips the catalog rebuild: only for a caller
    that publishes several datasets under one lock and calls `rebuild_catalog()` itself at the end.
    ``release=False`` writes the version (files + manifest) without making it live: the caller
    switches the release for all its datasets at once (`storage.switch_release`) under the same lock.
    """
    get_spec(dataset)
    kwargs = dict(
        source=source,
        query_hash=query_hash,
        expected_rows=expected_rows,
        allow_shrink=allow_shrink,
        progress=progress,
        catalog=catalog,
        release=release,
    )
    if lock is not None:
        lock.refresh()
        return _publish_locked(dataset, frame, **kwargs)  # type: ignore[arg-type]
    with domain_lock(LOCK_DOMAIN, writer=writer):
        return _publish_locked(dataset, frame, **kwargs)  # type: ignore[arg-type]


def set_current(dataset: str, version: int | str, *, writer: str) -> int:
    """Roll the live pointer to an existing version (e.g. back to the previous one)."""
    with domain_lock(LOCK_DOMAIN, writer=writer):
        resolved = storage.resolve_version(dataset, version)
        for f in storage.load_manifest(dataset, resolved).files:
            storage.verify_file(storage.dataset_dir(dataset) / f.path, f.sha256, use_cache=False)
        storage.switch_release({dataset: resolved})
        rebuild_catalog()
        return resolved
