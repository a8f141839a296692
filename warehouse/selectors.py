"""Read-side summaries of the warehouse for pages, commands and health checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from warehouse import storage
from warehouse.datasets import DATASETS


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
        rows.append(
            DatasetSummary(
                dataset=name,
                version=version,
                created=dt.datetime.fromisoformat(m.created),
                source=m.source,
                rows=m.rows,
                date_min=_date(m.date_min),
                date_max=_date(m.date_max),
                validated=m.validation.passed,
                validation_summary=m.validation.summary(),
                files=len(m.files),
                bytes=m.total_bytes,
                tags={t: v for t, v in storage.read_tags(name).items()},
            )
        )
    return rows
