"""Signal reports: create the report and its job (idempotent), queue or run it, compute and publish
the artifact.

Each report row has a ``quant.Job`` of kind ``signal_report`` (status, progress, errors, times); its
idempotency key is (signal, definition hash, data hash), so the same request returns the live job.
``signal_report_queue`` queues one ``research.tasks.build_signal_report`` task per job (the console's
"Recompute"); ``alpha_build`` (the ``alpha_build`` command, the quickstart) runs the same jobs inline.

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

from quant.artifacts import artifact_publish
from quant.jobs.attempts import job_attempt
from quant.jobs.runner import JobRun, RunOutcome, job_run
from quant.jobs.services import job_queue
from quant.models import Job
from quant.periods import TRADING_DAYS_PER_YEAR
from quant.provenance import canonical_json, code_version, sha256_text
from research.analytics.ic import forward_returns
from research.analytics.signals import SIGNALS, SignalDef
from research.analytics.tearsheet import TearSheet, tear_sheet
from research.cache import FeatureCache
from research.io import InputError
from research.models import SignalReport
from research.services.data import ResearchData, load_research_data, research_dataset_versions

logger = logging.getLogger("quantdesk.research")
HORIZONS = (1, 5, 10, 21, 63)
MAIN_HORIZON = 21
QUANTILES = 5
KIND = "signal_report"
Progress = Callable[[str], None]


class StaleInputs(ValueError):
    """The warehouse moved to other versions after the report was requested."""


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
    *, report: SignalReport, data: ResearchData, fwd: pl.DataFrame, cache: FeatureCache | None = None,
    run: JobRun | None = None,
) -> str:  # fmt: skip
    """Compute and publish one report (the body of its job); returns the job's final message."""
    definition = SIGNALS[report.signal]
    if data.dataset_versions != report.dataset_versions:
        raise StaleInputs(f"the warehouse changed since report #{report.pk} was requested; queue it again")
    step = run.progress if run is not None else (lambda fraction, message=None, **_: None)
    step(0.3, "signal values")
    values = signal_values(definition, data, cache)
    step(0.5, "tear sheet")
    sheet = tear_sheet(values, fwd, h=MAIN_HORIZON, quantiles=QUANTILES,
                       periods_per_year=TRADING_DAYS_PER_YEAR, groups=data.sectors)  # fmt: skip
    step(0.8, "writing the artifact")
    path = _write_artifact(report, definition, values, sheet)
    summary = _summary_fields(sheet)
    SignalReport.objects.filter(pk=report.pk).update(result_path=str(path), **summary)
    ic = summary["ic_mean"]
    return f"{report.signal}: IC({MAIN_HORIZON}d) {ic:.4f}" if ic is not None else f"{report.signal}: done"


def signal_report_run(
    *, job_id: int, task_id: str = "", data: ResearchData | None = None, fwd: pl.DataFrame | None = None,
    cache: FeatureCache | None = None,
) -> RunOutcome:  # fmt: skip
    """Run the job of a report (claimed for ``task_id``, or a local id inline); a no-op when the job is
    finished or running elsewhere. Reads the warehouse unless ``data``/``fwd`` are given."""

    def body(run: JobRun) -> str:
        report = SignalReport.objects.get(job_id=job_id)
        run.progress(0.0, "reading the warehouse", force=True)
        inputs = data if data is not None else load_research_data()
        run.progress(0.15, "forward returns")
        returns = fwd if fwd is not None else signal_forward_returns(inputs)
        return signal_report_compute(report=report, data=inputs, fwd=returns, cache=cache, run=run)

    return job_run(
        job_id=job_id, task_id=task_id, body=body, expected=(InputError, StaleInputs), time_limit_seconds=1800
    )


@dataclass(frozen=True)
class ReportRequest:
    report: SignalReport
    created: bool  # a new job was created (it is queued and must be run or queued)


def _reusable(report: SignalReport, force: bool) -> bool:
    job = report.job
    if job.status == Job.Status.SUCCEEDED:
        return not force and bool(report.result_path) and Path(report.result_path).exists()
    return job.status in Job.ACTIVE


def signal_report_request(
    *, definition: SignalDef, dataset_versions: dict[str, int], requested_by: object = None, force: bool = False
) -> ReportRequest:
    """The row for (signal, definition hash, data hash) and its job.

    A queued or running job, or a succeeded one whose artifact exists (unless ``force``), is kept;
    otherwise the row gets a new queued job (``quant.jobs.attempts.job_attempt``).
    """
    data_hash = sha256_text(canonical_json(dataset_versions))
    identity = {"signal": definition.name, "definition_hash": definition.definition_hash(), "data_hash": data_hash}
    with transaction.atomic():
        report = SignalReport.objects.select_for_update().select_related("job").filter(**identity).first()
        job, created = job_attempt(
            current=report.job if report else None, reusable=report is not None and _reusable(report, force),
            kind=KIND, idempotency_key=f"{definition.name}:{identity['definition_hash']}:{data_hash}",
            label=f"Signal report: {definition.name}", requested_by=requested_by, params={"signal": definition.name},
        )  # fmt: skip
        if report is None:
            report = SignalReport.objects.create(
                **identity, job=job, dataset_versions=dataset_versions, params=dict(definition.params),
                horizon=MAIN_HORIZON, code_version=code_version(),
            )  # fmt: skip
        elif created:
            report.job = job
            report.save(update_fields=["job"])
    return ReportRequest(report, created)


def alpha_build(
    *, names: str | Sequence[str] = "all", progress: Progress | None = None, force: bool = False,
    requested_by: object = None,
) -> list[SignalReport]:  # fmt: skip
    """Compute (or reuse) the report of each signal on the current warehouse versions, inline.

    Idempotent: a succeeded report with the same definition and data hash is returned as is unless
    ``force``. Each computation runs as the report's job (so it shows on the Jobs page); a job
    queued from the console is taken over and run here. Reads the warehouse once and forward
    returns once for all signals.
    """
    definitions = resolve_signals(names)
    data = load_research_data()
    fwd: pl.DataFrame | None = None
    out = []
    for definition in definitions:
        request = signal_report_request(
            definition=definition, dataset_versions=data.dataset_versions, requested_by=requested_by, force=force
        )
        report = request.report
        if report.job.status == Job.Status.SUCCEEDED:
            out.append(report)
            if progress:
                progress(f"{definition.name}: up to date (report #{report.pk})")
            continue
        fwd = fwd if fwd is not None else signal_forward_returns(data)
        outcome = signal_report_run(job_id=report.job_id, data=data, fwd=fwd)
        report = SignalReport.objects.select_related("job").get(pk=report.pk)
        out.append(report)
        if progress:
            progress(f"{definition.name}: {outcome.status} (report #{report.pk})")
    return out


def signal_report_queue(
    *, names: str | Sequence[str] = "all", requested_by: object = None, force: bool = False
) -> list[SignalReport]:
    """Request the reports of ``names`` on the current warehouse versions and queue a job for each
    one that is not already done or under way (on the "analytics" queue, after commit)."""
    definitions = resolve_signals(names)
    versions = research_dataset_versions()
    reports = []
    with transaction.atomic():
        for definition in definitions:
            request = signal_report_request(
                definition=definition, dataset_versions=versions, requested_by=requested_by, force=force
            )
            if request.created:
                signal_report_requeue(request.report.job)
            reports.append(request.report)
    return reports


def signal_report_requeue(job: Job) -> None:
    """Queue the task of a signal report job (also the kind's ``requeue`` for retries and the reaper)."""
    from research.tasks import build_signal_report

    job_queue(job=job, task=build_signal_report, args=(job.pk,))
