"""Resumable-sync checkpoints: one JSON file per dataset and run, plus the year chunks downloaded so far.

Layout (under ``<WAREHOUSE_DIR>/_sync/``)::

    <dataset>/<run_id>/checkpoint.json      # written atomically after every chunk
    <dataset>/<run_id>/year=YYYY.parquet    # kept until the dataset version is published

A crash (SIGKILL, power loss) or Ctrl-C leaves the last checkpoint naming exactly the chunks that are
complete on disk (each with its sha256), so the next run of the same query resumes after them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

from quant.io import atomic_write_text, sha256_file

DOWNLOADING = "downloading"
PUBLISHING = "publishing"
PUBLISHED = "published"
FAILED = "failed"
RESUMABLE = (DOWNLOADING, PUBLISHING)


def sync_root() -> Path:
    return Path(settings.WAREHOUSE_DIR) / "_sync"


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@dataclass
class Checkpoint:
    """State of one full sync of one dataset."""

    dataset: str
    run_id: str
    query_hash: str
    start_year: int
    end_year: int
    state: str = DOWNLOADING
    chunks: dict[str, dict[str, object]] = field(default_factory=dict)  # "YYYY" -> {rows, sha256, file}
    version: str = ""
    error: str = ""
    updated: str = ""
    root: Path = field(default_factory=sync_root, repr=False)

    @property
    def directory(self) -> Path:
        return self.root / self.dataset / self.run_id

    @property
    def path(self) -> Path:
        return self.directory / "checkpoint.json"

    def chunk_path(self, year: int) -> Path:
        return self.directory / f"year={year}.parquet"

    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    def done(self, year: int) -> bool:
        """True when the year's chunk is recorded and its file still has the recorded checksum."""
        entry = self.chunks.get(str(year))
        path = self.chunk_path(year)
        return entry is not None and path.is_file() and sha256_file(path) == entry["sha256"]

    def pending_years(self) -> list[int]:
        return [year for year in self.years() if not self.done(year)]

    def record_chunk(self, year: int, rows: int) -> None:
        path = self.chunk_path(year)
        self.chunks[str(year)] = {"rows": rows, "sha256": sha256_file(path), "file": path.name}
        self.save()

    def save(self) -> None:
        self.updated = dt.datetime.now(dt.UTC).isoformat()
        payload = {k: v for k, v in asdict(self).items() if k != "root"}
        atomic_write_text(self.path, json.dumps(payload, indent=2, sort_keys=True))

    def remove_chunks(self) -> None:
        for path in self.directory.glob("year=*.parquet"):
            path.unlink()

    @classmethod
    def load(cls, path: Path, *, root: Path | None = None) -> Checkpoint:
        data = json.loads(path.read_text())
        return cls(**data, root=root or path.parent.parent.parent)


def checkpoints(dataset: str, *, root: Path | None = None) -> list[Checkpoint]:
    """All checkpoints of ``dataset``, oldest run first."""
    base = (root or sync_root()) / dataset
    found = [Checkpoint.load(p, root=root or sync_root()) for p in sorted(base.glob("*/checkpoint.json"))]
    return sorted(found, key=lambda c: c.run_id)


def latest(dataset: str, *, root: Path | None = None) -> Checkpoint | None:
    found = checkpoints(dataset, root=root)
    return found[-1] if found else None


def find_resumable(dataset: str, query_hash: str, *, root: Path | None = None) -> Checkpoint | None:
    """The newest unfinished checkpoint of the same query (a changed query never resumes old chunks)."""
    for ckpt in reversed(checkpoints(dataset, root=root)):
        if ckpt.state in RESUMABLE and ckpt.query_hash == query_hash:
            return ckpt
    return None
