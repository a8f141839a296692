"""Read-side summaries of the warehouse for pages, commands and health checks."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl
from django.db.models import OuterRef, QuerySet, Subquery

from warehouse import storage
from warehouse.datasets import ALL_DATASETS
from warehouse.manifest import ValidationReport
from warehouse.models_sync import SyncRun
from warehouse.readers import read_dataset


@dataclass(frozen=True)
class DatasetSummary:
    dataset: str
    version: int
    created: dt.datetime
    source: str
    rows: int
    date_min: dt.date | None
    date_max: dt.date | None
    validated: bool
    validation_summary: str
    files: int
    bytes: int
    tags: dict[str, int]
    rejected: str | None = None  # the last quarantined attempt, when newer than the live version


def last_rejection(dataset: str, *, after: dt.datetime | None = None) -> str | None:
    """ "<UTC timestamp>: <failed rules>" of the newest quarantined publish of ``dataset`` (after ``after``)."""
    folder = storage.quarantine_dir() / dataset
    attempts = sorted(p for p in folder.glob("*/validation.json")) if folder.is_dir() else []
    if not attempts:
        return None
    stamp = dt.datetime.strptime(attempts[-1].parent.name, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
    if after is not None and stamp <= after:
        return None
    report = ValidationReport.from_dict(json.loads(attempts[-1].read_text()))
    return f"{stamp.isoformat(timespec='seconds')}: {report.summary()}"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def dataset_summaries() -> list[DatasetSummary]:
    """One row per published dataset (current version), in contract order. Empty before any sync."""
    rows = []
    for name in ALL_DATASETS:
        version = storage.current_version(name)
        if version is None:
            continue
        m = storage.load_manifest(name, version)
        created = dt.datetime.fromisoformat(m.created)
        rows.append(
            DatasetSummary(
                dataset=name,
                version=version,
                created=created,
                source=m.source,
                rows=m.rows,
                date_min=_date(m.date_min),
                date_max=_date(m.date_max),
                validated=m.validation.passed,
                validation_summary=m.validation.summary(),
                files=len(m.files),
                bytes=m.total_bytes,
                tags={t: v for t, v in storage.read_tags(name).items()},
                rejected=last_rejection(name, after=created),
            )
        )
    return rows


def planted_truth(name: str, *, config_hash: str | None = None) -> pl.DataFrame:
    """A planted-model table of the demo (e.g. ``factor_returns``) written beside the warehouse.

    ``config_hash`` defaults to the last demo sync (``_planted/current.json``). Raises
    ``FileNotFoundError`` naming the command to run when there is none.
    """
    base = storage.warehouse_dir() / "_planted"
    if config_hash is None:
        try:
            config_hash = json.loads((base / "current.json").read_text())["config_hash"]
        except FileNotFoundError:
            raise FileNotFoundError(
                "No planted demo truth: run `python manage.py warehouse_sync --source demo`."
            ) from None
    path = base / str(config_hash) / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"No planted table {name!r} for demo config {config_hash}: {path} is missing.")
    return pl.read_parquet(path)


# --- sync runs (ORM) -----------------------------------------------------------------------------
SYNC_RUNS_SHOWN = 200


def sync_runs(*, limit: int = SYNC_RUNS_SHOWN) -> QuerySet[SyncRun]:
    """The newest sync attempts first, with their job (queued, running, succeeded, failed — refused
    and interrupted ones are failed jobs — or cancelled)."""
    return SyncRun.objects.select_related("job").order_by("-pk")[:limit]


def last_sync_runs() -> QuerySet[SyncRun]:
    """The newest `SyncRun` of each dataset with its job (one query), by dataset name."""
    newest = SyncRun.objects.filter(dataset=OuterRef("dataset")).order_by("-pk").values("pk")[:1]
    return SyncRun.objects.select_related("job").filter(pk=Subquery(newest)).order_by("dataset")


def live_source(dataset: str = "crsp_daily") -> str | None:
    """The source (``demo``, ``wrds``, …) of ``dataset``'s current version; None when unpublished."""
    version = storage.current_version(dataset)
    if version is None:
        return None
    try:
        return storage.load_manifest(dataset, version).source
    except storage.VersionNotFound:
        return None


# --- permno -> ticker / company name --------------------------------------------------------------
@dataclass(frozen=True)
class SecurityName:
    permno: int
    ticker: str
    name: str


class SecurityNames:
    """Every ``crsp_names`` row of the current version, looked up by permno as of a date.

    Built once (one read of the names table) and reused for all rows of a page: the template tag
    ``{% security permno as_of %}`` (``warehouse/templatetags/securities.py``) keeps one per request.
    """

    def __init__(self, names: pl.DataFrame | None) -> None:
        self._rows: dict[int, list[tuple[dt.date, dt.date | None, str, str]]] = {}
        if names is None or names.is_empty():
            return
        frame = names.select("permno", "namedt", "nameendt", "ticker", "comnam").sort("permno", "namedt")
        for permno, start, end, ticker, name in frame.iter_rows():
            self._rows.setdefault(int(permno), []).append((start, end, ticker or "", name or ""))

    def get(self, permno: int, as_of: dt.date | None = None) -> SecurityName | None:
        """The name row valid on ``as_of`` (else the last one starting before it; None: the latest)."""
        rows = self._rows.get(int(permno))
        if not rows:
            return None
        pick = rows[-1]
        if as_of is not None:
            before = [r for r in rows if r[0] <= as_of]
            valid = [r for r in before if r[1] is None or r[1] >= as_of]
            pick = (valid or before or rows[:1])[-1]
        return SecurityName(int(permno), pick[2], pick[3])


_NAMES_MEMO: dict[tuple[str, int], SecurityNames] = {}


def security_names() -> SecurityNames:
    """The permno → ticker/name look-up over the current ``crsp_names`` (empty when unpublished).

    Kept in memory per process for the live version (a published version never changes; the key
    is its manifest's path and modification time), so a page listing hundreds of permnos costs a
    ``release.json`` read, not a Parquet read and a 100k-row table build per request."""
    version = storage.current_version("crsp_names")
    if version is None:
        return SecurityNames(None)
    manifest = storage.manifest_path("crsp_names", version)
    try:
        key = (str(manifest), manifest.stat().st_mtime_ns)
    except FileNotFoundError:
        return SecurityNames(None)
    found = _NAMES_MEMO.get(key)
    if found is None:
        try:
            found = SecurityNames(read_dataset("crsp_names", version=version))
        except storage.VersionNotFound:
            return SecurityNames(None)
        _NAMES_MEMO.clear()  # one live version per process
        _NAMES_MEMO[key] = found
    return found
