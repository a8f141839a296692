"""Research reads: latest signal reports, their artifact frames, registry versions."""

from __future__ import annotations

import polars as pl
from django.db.models import QuerySet

from quant.artifacts import artifact_open
from quant.models import Job
from research.analytics.combine import signal_correlation
from research.analytics.signals import SIGNALS
from research.models import ModelVersion, SignalReport


def latest_reports() -> list[SignalReport]:
    """The latest succeeded report per registered signal, in registry order (one query)."""
    rows = SignalReport.objects.select_related("job").filter(job__status=Job.Status.SUCCEEDED, signal__in=list(SIGNALS))
    latest: dict[str, SignalReport] = {}
    for r in rows.order_by("signal", "-job__finished_at", "-pk"):
        latest.setdefault(r.signal, r)
    return [latest[n] for n in SIGNALS if n in latest]


def active_reports(signal: str | None = None) -> list[SignalReport]:
    """Reports whose job is queued or running (of one signal, or all), oldest first, with their job."""
    rows = SignalReport.objects.select_related("job").filter(job__status__in=Job.ACTIVE)
    if signal is not None:
        rows = rows.filter(signal=signal)
    return list(rows.order_by("job__created_at", "pk"))


def report_frame(report: SignalReport, name: str) -> pl.DataFrame:
    """One Parquet file of a report, checked against its manifest sha256."""
    return artifact_open(report.result_path).read_parquet(name)


def correlation_matrix(reports: list[SignalReport]) -> tuple[list[str], list[list[float | None]]]:
    """Mean cross-sectional Spearman correlation between the signals' values (names, matrix)."""
    if len(reports) < 2:
        return [r.signal for r in reports], [[1.0] for _ in reports]
    values = pl.concat(
        [report_frame(r, "values").with_columns(pl.lit(r.signal).alias("signal")) for r in reports]
    ).select("date", "asset", "signal", "value")
    corr = signal_correlation(values)
    names = [r.signal for r in reports]
    lookup = {(a, b): v for a, b, v in _pairs(corr)}
    return names, [[lookup.get((a, b)) for b in names] for a in names]


def _pairs(corr: pl.DataFrame) -> list[tuple[str, str, float | None]]:
    if {"signal_a", "signal_b", "corr"} <= set(corr.columns):
        return [(a, b, v) for a, b, v in corr.select("signal_a", "signal_b", "corr").rows()]
    first = corr.columns[0]
    return [(row[first], col, row[col]) for row in corr.to_dicts() for col in corr.columns[1:]]


def model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.select_related("author", "promoted_by").order_by("name", "-version")


def taq_sync_jobs(limit: int = 10) -> QuerySet[Job]:
    """The latest ``taq_sync`` jobs, newest first (the TAQ page's sync status)."""
    return Job.objects.filter(kind="taq_sync").order_by("-created_at", "-id")[:limit]
