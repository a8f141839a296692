"""Read side of the data-quality page: validation history across versions (and quarantined
attempts), anomalies from `warehouse.analytics.quality` with their acknowledgements, the trend."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl

from warehouse import storage
from warehouse.analytics.quality import date_gaps, null_rate_spikes, row_count_drops
from warehouse.explorer.browse import coverage, versions
from warehouse.manifest import Manifest, ValidationReport
from warehouse.models_explorer import AnomalyAck


@dataclass(frozen=True)
class Attempt:
    """One validation: a published version (``version``) or a quarantined attempt (``version`` None)."""

    at: dt.datetime
    version: int | None
    rows: int | None
    report: ValidationReport

    @property
    def failed_rules(self) -> int:
        return len(self.report.failures)

    @property
    def passed_rules(self) -> int:
        return len(self.report.rules) - self.failed_rules

    @property
    def failing_rows(self) -> int:
        return sum(r.failing_rows for r in self.report.rules)


@dataclass(frozen=True)
class Anomaly:
    kind: str  # null_spike, row_drop, date_gap
    key: str
    text: str
    ack: AnomalyAck | None


def validation_history(dataset: str, kept: list[Manifest]) -> list[Attempt]:
    """Every version's validation and every quarantined attempt, newest first."""
    found = [Attempt(dt.datetime.fromisoformat(m.created), m.version, m.rows, m.validation) for m in kept]
    folder = storage.quarantine_dir() / dataset
    for path in sorted(folder.glob("*/validation.json")) if folder.is_dir() else []:
        at = dt.datetime.strptime(path.parent.name, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
        found.append(Attempt(at, None, None, ValidationReport.from_dict(json.loads(path.read_text()))))
    return sorted(found, key=lambda a: a.at, reverse=True)


def _null_rates(kept: list[Manifest]) -> pl.DataFrame:
    rows = [{"version": m.version, "column": c, "null_rate": n / m.rows if m.rows else 0.0}
            for m in kept for c, n in m.null_counts.items()]  # fmt: skip
    return pl.DataFrame(rows, schema={"version": pl.Int64, "column": pl.String, "null_rate": pl.Float64})


def anomalies(dataset: str, kept: list[Manifest]) -> list[Anomaly]:
    """Null-rate spikes and row-count drops across versions, date gaps in the live version."""
    acks = {(a.kind, a.key): a for a in AnomalyAck.objects.filter(dataset=dataset).select_related("by")}
    out: list[Anomaly] = []
    for r in null_rate_spikes(_null_rates(kept)).iter_rows(named=True):
        key = f"v{r['version']}:{r['column']}"
        text = f"v{r['version']}: {r['column']} null rate {r['null_rate']:.1%} (was {r['previous_rate']:.1%})"
        out.append(Anomaly("null_spike", key, text, acks.get(("null_spike", key))))
    sizes = pl.DataFrame({"version": [m.version for m in kept], "rows": [m.rows for m in kept]},
                         schema={"version": pl.Int64, "rows": pl.Int64})  # fmt: skip
    for r in row_count_drops(sizes).iter_rows(named=True):
        key = f"v{r['version']}"
        text = f"v{r['version']}: {r['rows']:,} rows, {r['change']:.1%} vs {r['previous_rows']:,} in the version before"
        out.append(Anomaly("row_drop", key, text, acks.get(("row_drop", key))))
    live = storage.current_version(dataset)
    manifest = next((m for m in kept if m.version == live), None)
    if manifest is not None and manifest.rows:
        cov = coverage(manifest)
        monthly = pl.DataFrame({"month": [dt.date.fromisoformat(f"{m}-01") for m in cov.months], "rows": cov.rows},
                               schema={"month": pl.Date, "rows": pl.Int64})  # fmt: skip
        for r in date_gaps(monthly).iter_rows(named=True):
            key = f"{r['start']:%Y-%m}..{r['end']:%Y-%m}"
            text = f"no rows in {r['months']} month(s): {key} (live v{live})"
            out.append(Anomaly("date_gap", key, text, acks.get(("date_gap", key))))
    return out


def quality_trend(kept: list[Manifest]) -> dict[str, list[object]]:
    """Per version, oldest first: rows, failed rules and the highest column null rate (%)."""
    ordered = sorted(kept, key=lambda m: m.version)
    return {
        "versions": [f"v{m.version}" for m in ordered],
        "rows": [m.rows for m in ordered],
        "failed_rules": [len(m.validation.failures) for m in ordered],
        "max_null_pct": [round(100 * max(m.null_counts.values(), default=0) / m.rows, 2) if m.rows else 0.0
                         for m in ordered],
    }  # fmt: skip


def quality_report(dataset: str) -> tuple[list[Manifest], list[Attempt], list[Anomaly], dict[str, list[object]]]:
    kept = versions(dataset)
    return kept, validation_history(dataset, kept), anomalies(dataset, kept), quality_trend(kept)
