"""Read-side summaries of the warehouse for pages, commands and health checks."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl
from django.db.models import OuterRef, QuerySet, Subquery

from warehouse import storage
from warehouse.datasets import DATASETS
from warehouse.manifest import ValidationReport
from warehouse.models_sync import SyncRun


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
    for name in DATASETS:
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
