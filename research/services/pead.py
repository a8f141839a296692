"""Post-earnings-announcement drift on the warehouse, as a job of the one job model (kind ``pead``).

Events: every Compustat quarterly report with a SUE (``research.analytics.signals``), announced on
its ``available_date`` (``rdq``, else datadate + 45 days), mapped to its primary permno through the
CCM link. Abnormal returns: market-adjusted (``R − R_m``, R_m = mktrf + rf of the warehouse's
``ff_factors``), window [−1, +60] sessions, σ from [−120, −10] (≥ 40 returns). Deciles within each
calendar quarter of the announcement. The computation reads every firm's daily returns (seconds on
the demo warehouse), so the page shows the last published result and a button queues a rebuild.

Artifact (``quant.artifacts``, kind ``pead``): ``ANALYTICS_DIR/pead/<key>/`` with ``table``
(decile, n, announcement, drift, drift_se) and ``paths`` (decile, offset, caar, n); ``<key>`` hashes
the dataset versions read and the parameters, so the same inputs return the existing result.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction

from quant.artifacts import ArtifactCorrupt, ArtifactNotFound, artifact_open, artifact_stage
from quant.jobs.runner import JobRun, RunOutcome, job_run
from quant.jobs.services import job_get_or_create, job_queue
from quant.locks import LockBusy, domain_lock
from quant.models import Job
from research import io
from research.analytics.events import Windows, abnormal_returns
from research.analytics.pead import drift_by_decile, drift_paths, sue_deciles
from research.analytics.signals import standardized_unexpected_earnings
from research.services.data import current_versions, signal_inputs

KIND = "pead"
DATASETS = ("crsp_daily", "crsp_delist", "compustat_quarterly", "ccm_link", "ff_factors")
MODEL = "market_adj"
WINDOWS = Windows(-120, -10, -1, 60)
MIN_ESTIMATION = 40
DRIFT = (2, 60)
CODE_VERSION = "pead-2"  # pead-2: paths cumulated from day -1


def pead_versions() -> dict[str, int]:
    """The current versions of the datasets PEAD reads; InputError naming the missing ones."""
    versions = current_versions(DATASETS)
    missing = [d for d in DATASETS if d not in versions]
    if missing:
        raise io.InputError(f"the warehouse has no {', '.join(missing)}; {io.WAREHOUSE_HINT}")
    return versions


def pead_key(versions: dict[str, int]) -> str:
    payload = {"versions": versions, "model": MODEL, "windows": [WINDOWS.est_start, WINDOWS.est_end, WINDOWS.start,
               WINDOWS.end], "drift": list(DRIFT), "code": CODE_VERSION}  # fmt: skip
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def pead_dir(key: str) -> Path:
    return Path(settings.ANALYTICS_DIR) / "pead" / key


def pead_events(versions: dict[str, int]) -> pl.DataFrame:
    """``event_id, permno, event_date, sue`` of every quarterly report with a SUE."""
    empty = pl.DataFrame(schema={"permno": pl.Int64, "date": pl.Date})
    inputs = signal_inputs(daily=empty, dates=pl.Series([], dtype=pl.Date),
                           datasets=("compustat_quarterly", "ccm_link"), versions=versions)  # fmt: skip
    sue = standardized_unexpected_earnings(inputs.quarterly)
    return (
        sue.select("permno", pl.col("available_date").alias("event_date"), "sue")
        .unique(["permno", "event_date"], keep="last")
        .sort("event_date", "permno")
        .with_row_index("event_id")
        .with_columns(pl.col("event_id").cast(pl.Int64))
    )


@dataclass(frozen=True)
class PeadResult:
    table: pl.DataFrame  # decile, n, announcement, drift, drift_se
    paths: pl.DataFrame  # decile, offset, caar, n
    summary: dict[str, Any]


def pead_compute(versions: dict[str, int]) -> PeadResult:
    """Compute PEAD on the warehouse versions ``versions`` (pure reads; see the module docstring)."""
    from warehouse import readers

    events = pead_events(versions)
    if events.height < 10 * 10:
        raise io.InputError(f"only {events.height} earnings announcements with a SUE; {io.WAREHOUSE_HINT}")
    factors = io.warehouse_factors("daily")
    returns = readers.total_returns(factors["date"].min(), factors["date"].max()).select(  # type: ignore[arg-type]
        "permno", "date", pl.col("total_ret").alias("ret")
    )
    ars = abnormal_returns(events, returns.collect(), factors, model=MODEL, windows=WINDOWS,
                           min_estimation=MIN_ESTIMATION)  # fmt: skip
    deciles = sue_deciles(events)
    table = drift_by_decile(ars, deciles, drift_start=DRIFT[0], drift_end=DRIFT[1])
    paths = drift_paths(ars, deciles)
    first, last = ars.events["event_date"].min(), ars.events["event_date"].max()
    spread = float(table["drift"][-1] - table["drift"][0]) if table.height == 10 else None
    summary = {"events": int(ars.ar.shape[0]), "dropped": ars.dropped, "first": str(first), "last": str(last),
               "drift_spread": spread, "model": MODEL, "window": [WINDOWS.start, WINDOWS.end],
               "drift_window": list(DRIFT)}  # fmt: skip
    return PeadResult(table=table, paths=paths, summary=summary)


def pead_publish(result: PeadResult, key: str, versions: dict[str, int]) -> Path:
    target = pead_dir(key)
    with domain_lock("analytics", writer=f"pead:{key}", wait=30.0), artifact_stage(target, kind=KIND) as stage:
        stage.write_parquet("table", result.table)
        stage.write_parquet("paths", result.paths)
        stage.publish(dataset_versions=versions, config_hash=key, summary=result.summary)
    return target


def pead_latest() -> PeadResult | None:
    """The published result for the current warehouse, or None (never computed, or data missing)."""
    try:
        key = pead_key(pead_versions())
        art = artifact_open(pead_dir(key))
        return PeadResult(art.read_parquet("table"), art.read_parquet("paths"), dict(art.manifest.summary))
    except (io.InputError, ArtifactNotFound, ArtifactCorrupt):
        return None


def pead_request(*, requested_by: object = None) -> tuple[Job, bool]:
    """The live job for the current warehouse (queued, running or succeeded), or a new queued one."""
    versions = pead_versions()
    key = pead_key(versions)
    return job_get_or_create(kind=KIND, idempotency_key=key, label="PEAD by SUE decile", requested_by=requested_by,
                             params={"key": key, "versions": versions})  # fmt: skip


def pead_requeue(job: Job) -> None:
    """Queue the task of a ``pead`` job (also the kind's ``requeue``)."""
    from research.tasks import pead_build

    job_queue(job=job, task=pead_build, kwargs={"job_id": job.pk})


def pead_queue(*, requested_by: object = None) -> Job:
    with transaction.atomic():
        job, created = pead_request(requested_by=requested_by)
        if created:
            pead_requeue(job)
    return job


def pead_job_run(*, job_id: int, task_id: str = "") -> RunOutcome:
    """Run job ``job_id``: compute and publish (a no-op when it is finished or running elsewhere)."""

    def body(run: JobRun) -> str:
        params = Job.objects.get(pk=job_id).params
        versions = {k: int(v) for k, v in params["versions"].items()}
        run.progress(0.1, "reading the warehouse", force=True)
        result = pead_compute(versions)
        run.progress(0.9, "publishing", force=True)
        path = pead_publish(result, params["key"], versions)
        run.log(f"published {path}")
        spread = result.summary["drift_spread"]
        return f"{result.summary['events']} events; 10-1 drift {spread * 100:.2f} %" if spread is not None else "done"

    return job_run(job_id=job_id, task_id=task_id, body=body, expected=(ValueError, LockBusy))
