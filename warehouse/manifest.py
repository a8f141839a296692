"""The one manifest format of the warehouse: a JSON document per dataset version.

``data/warehouse/<dataset>/manifests/<version>.json`` describes an immutable snapshot: its files
(with sha256, rows and bytes), the source it came from, its date range, row count, schema, null
counts per column (for the next version's null-rate rule) and the validation report it passed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class FileEntry:
    """One Parquet file of a version, relative to the dataset directory (``v3/year=2020/part-….parquet``)."""

    path: str
    sha256: str
    rows: int
    bytes: int
    year: int


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one validation rule."""

    rule: str
    passed: bool
    failing_rows: int = 0
    examples: list[str] = field(default_factory=list)
    detail: str = ""


@dataclass(frozen=True)
class ValidationReport:
    dataset: str
    rules: list[RuleResult]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rules)

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.rules if not r.passed]

    def summary(self) -> str:
        if self.passed:
            return f"{self.dataset}: all {len(self.rules)} rules passed"
        parts = [f"{r.rule} ({r.failing_rows} rows{': ' + r.detail if r.detail else ''})" for r in self.failures]
        return f"{self.dataset}: {len(parts)} of {len(self.rules)} rules failed: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "passed": self.passed, "rules": [asdict(r) for r in self.rules]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        return cls(dataset=data["dataset"], rules=[RuleResult(**r) for r in data["rules"]])


@dataclass(frozen=True)
class Manifest:
    """An immutable dataset version. ``version`` is a per-dataset monotonic integer."""

    dataset: str
    version: int
    created: str  # ISO-8601 UTC
    source: str  # demo / wrds / french / yfinance / ...
    source_query_hash: str
    schema_version: int
    columns: dict[str, str]  # column -> polars dtype name
    date_column: str
    date_min: str | None  # ISO date
    date_max: str | None
    rows: int
    files: list[FileEntry]
    null_counts: dict[str, int]
    validation: ValidationReport
    previous_version: int | None
    manifest_schema_version: int = MANIFEST_SCHEMA_VERSION

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def to_json(self) -> str:
        data = asdict(self)
        data["validation"] = self.validation.to_dict()
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        found = data.get("manifest_schema_version")
        if found != MANIFEST_SCHEMA_VERSION:
            raise ValueError(f"Unsupported manifest schema version {found!r} (expected {MANIFEST_SCHEMA_VERSION}).")
        data["files"] = [FileEntry(**f) for f in data["files"]]
        data["validation"] = ValidationReport.from_dict(data["validation"])
        return cls(**data)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        return cls.from_json(path.read_text())
