"""Signal reports: create the job row (idempotent), queue it, compute and publish the artifact.

Artifact (`quant.artifacts`, kind ``signal_report``): ``ANALYTICS_DIR/signal_reports/<signal>/<report id>/``
with Parquet files (``ic``, ``decay``, ``quantiles``, ``long_short``, ``group_ic``, ``values``); the
manifest's config hash is the definition hash, its summary the IC numbers, its extra the signal,
params and horizons. Published under the ``analytics`` domain lock; the row keeps the path and the
summary numbers.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from quant.artifacts import artifact_publish
from quant.jobs import enqueue_on_commit
from quant.periods import TRADING_DAYS_PER_YEAR
from quant.provenance import canonical_json, code_version, sha256_text
from research.analytics.ic import forward_returns
from research.analytics.signals import SIGNALS, SignalDef
from research.analytics.tearsheet import TearSheet, tear_sheet
from research.cache import FeatureCache
from research.models import SignalReport
from research.services.data import ResearchData, load_research_data

logger = logging.getLogger("quantdesk.research")
HORIZONS = (1, 5, 10, 21, 63)
MAIN_HORIZON = 21
QUANTILES = 5
Progress = Callable[[str], None]


def reports_dir() -> Path:
    return Path(settings.ANALYTICS_DIR) / "signal_reports"


def feature_cache() -> FeatureCache:
    return FeatureCache(Path(settings.ANALYTICS_DIR) / "feature_cache")


def resolve_signals(names: str | Sequence[str]) -> list[SignalDef]:
    """``"all"`` or names (comma-separated text or a list) → definitions; ValueError names unknown ones."""
    wanted = list(SIGNALS) if names == "all" else ([n.strip() for n in names.split(",") if n.strip()]
                                                   if isinstance(names, str) else list(names))  # fmt: skip
    unknown = [n for n in wanted if n not in SIGNALS]
    if unknown or not wanted:
        raise ValueError(f"unknown signal(s) {unknown or wanted}; choose from all, {', '.join(SIGNALS)}")
    return [SIGNALS[n] for n in wanted]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def signal_values(definition: SignalDef, data: ResearchData, cache: FeatureCache | None = None) -> pl.DataFrame:
    """``date, asset, value`` of a signal, through the feature cache keyed by its datasets' versions."""
    versions = {d: data.dataset_versions[d] for d in definition.datasets if d in data.dataset_versions}
    frame = (cache or feature_cache()).get_or_compute(
        f"signal-{definition.name}",
        definition_hash=definition.definition_hash(),
        dataset_versions=versions,
        compute=lambda: definition.run(data.inputs),
    )
    return frame.rename({"permno": "asset"})


def signal_forward_returns(data: ResearchData) -> pl.DataFrame:
    """Forward total returns of every horizon on the formation dates only (``date, asset, h, fwd_ret``)."""
    fwd = forward_returns(data.prices, HORIZONS)
    return fwd.filter(pl.col("date").is_in(data.inputs.dates.implode()))


def _write_artifact(report: SignalReport, definition: SignalDef, values: pl.DataFrame, sheet: TearSheet) -> Path:
    from quant.locks import domain_lock

    frames = {"ic": sheet.ic, "decay": sheet.decay, "quantiles": sheet.quantiles, "long_short": sheet.long_short,
              "group_ic": sheet.group_ic, "values": values}  # fmt: skip
    summary = {
        "ic_summary": sheet.ic_summary.as_dict(), "rank_ic_summary": sheet.rank_ic_summary.as_dict(),
        "long_short_mean": sheet.long_short_mean, "turnover_top": sheet.turnover,
        "rank_autocorrelation_lag1": sheet.autocorrelation,
    }  # fmt: skip
    extra = {"signal": definition.name, "description": definition.description, "params": dict(definition.params),
             "horizons": list(HORIZONS), "main_horizon": MAIN_HORIZON, "quantiles": QUANTILES}  # fmt: skip
    with domain_lock("analytics", writer=f"signal-report:{report.pk}", wait=30.0):
        artifact = artifact_publish(
            reports_dir() / definition.name / str(report.pk), kind="signal_report", frames=frames,
            dataset_versions=report.dataset_versions, config_hash=definition.definition_hash(), summary=summary,
            extra=extra, replace=True,
        )  # fmt: skip
    return artifact.path


def _summary_fields(sheet: TearSheet) -> dict[str, float | int | None]:
    s = sheet.ic_summary
    return {
        "n_dates": s.n_dates, "ic_mean": _finite(s.mean), "ic_std": _finite(s.std), "icir": _finite(s.icir),
        "ic_t_stat": _finite(s.t_stat), "rank_ic_mean": _finite(sheet.rank_ic_summary.mean),
        "hit_rate": _finite(s.hit_rate), "long_short": _finite(sheet.long_short_mean),
        "turnover": _finite(sheet.turnover), "autocorrelation": _finite(sheet.autocorrelation),
    }  # fmt: skip


def signal_report_compute(
    *, report: SignalReport, data: ResearchData, fwd: pl.DataFrame, cache: FeatureCache | None = None
) -> SignalReport:
    """Compute and publish one report row (status running → succeeded/failed)."""
    definition = SIGNALS[report.signal]
    SignalReport.objects.filter(pk=report.pk).update(status=SignalReport.Status.RUNNING, started_at=timezone.now())
    try:
        values = signal_values(definition, data, cache)
        sheet = tear_sheet(values, fwd, h=MAIN_HORIZON, quantiles=QUANTILES,
                           periods_per_year=TRADING_DAYS_PER_YEAR, groups=data.sectors)  # fmt: skip
        path = _write_artifact(report, definition, values, sheet)
    except Exception as exc:
        logger.exception("signal report %s failed", report.pk)
        SignalReport.objects.filter(pk=report.pk).update(
            status=SignalReport.Status.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        raise
    SignalReport.objects.filter(pk=report.pk).update(
        status=SignalReport.Status.SUCCEEDED, result_path=str(path), progress=100, error="",
        finished_at=timezone.now(), **_summary_fields(sheet),
    )  # fmt: skip
    report.refresh_from_db()
    return report


@dataclass(frozen=True)
class ReportRequest:
    report: SignalReport
    created: bool


def signal_report_get_or_create(*, definition: SignalDef, dataset_versions: dict[str, int]) -> ReportRequest:
    """The row for (signal, definition hash, data hash); a failed row is reset to queued."""
    data_hash = sha256_text(canonical_json(dataset_versions))
    with transaction.atomic():
        report, created = SignalReport.objects.get_or_create(
            signal=definition.name, definition_hash=definition.definition_hash(), data_hash=data_hash,
            defaults={"dataset_versions": dataset_versions, "params": dict(definition.params),
                      "horizon": MAIN_HORIZON, "code_version": code_version()},
        )  # fmt: skip
        if report.status == SignalReport.Status.FAILED:
            report.status, report.error = SignalReport.Status.QUEUED, ""
            report.save(update_fields=["status", "error"])
    return ReportRequest(report, created)


def alpha_build(
    *, names: str | Sequence[str] = "all", progress: Progress | None = None, force: bool = False
) -> list[SignalReport]:
    """Compute (or reuse) the report of each signal on the current warehouse versions.

    Idempotent: a succeeded report with the same definition and data hash is returned as is unless
    ``force``. Reads the warehouse once and forward returns once for all signals.
    """
    definitions = resolve_signals(names)
    data = load_research_data()
    fwd: pl.DataFrame | None = None
    out = []
    for definition in definitions:
        request = signal_report_get_or_create(definition=definition, dataset_versions=data.dataset_versions)
        report = request.report
        if report.status == SignalReport.Status.SUCCEEDED and not force and Path(report.result_path).exists():
            out.append(report)
            if progress:
                progress(f"{definition.name}: up to date (report #{report.pk})")
            continue
        fwd = fwd if fwd is not None else signal_forward_returns(data)
        out.append(signal_report_compute(report=report, data=data, fwd=fwd))
        if progress:
            progress(f"{definition.name}: computed (report #{report.pk})")
    return out


def alpha_build_queue(*, names: str = "all") -> None:
    """Queue the ``alpha_build`` task after the current transaction commits."""
    from research.tasks import build_signal_reports

    resolve_signals(names)
    enqueue_on_commit(build_signal_reports, args=(names,), queue="analytics")
