"""Result files of a run: Parquet series plus a ``result.json`` manifest, published exactly once.

An attempt writes into ``BACKTESTS_DIR/<id>.attempt-<n>/`` (every file through
``quant.io.atomic_write``, the manifest last). Publishing renames that directory to
``BACKTESTS_DIR/<id>/`` and records it on the row in one database transaction, while the run's job
row is locked and still owned by the attempt (the job runner then marks it succeeded); a zombie
attempt (reaped, re-queued) fails that check and its staging directory is deleted. So a run has
one result set or none.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backtests.analytics.engine import BacktestResult
from backtests.analytics.metrics import performance_summary
from backtests.data import BacktestInputs
from backtests.models import BacktestRun
from quant.io import atomic_write, atomic_write_text, fsync_dir, sha256_file
from quant.jobs.services import Claim, JobLost, owned
from quant.periods import TRADING_DAYS_PER_YEAR

MANIFEST = "result.json"
SERIES = ("daily", "positions", "trades", "oos", "folds")  # the last two: walk-forward parents
MANIFEST_VERSION = 1


def run_dir(run_id: int) -> Path:
    return Path(settings.BACKTESTS_DIR) / str(run_id)


def staging_dir(run_id: int, attempt: int) -> Path:
    return Path(settings.BACKTESTS_DIR) / f"{run_id}.attempt-{attempt}"


@dataclass(frozen=True)
class ResultSummary:
    """Headline numbers of the net return series (the row's columns) and the full summary."""

    total_return: float | None
    cagr: float | None
    volatility: float | None
    sharpe: float | None
    max_drawdown: float | None
    turnover: float | None
    summary: dict[str, Any]

    def row_fields(self) -> dict[str, Any]:
        return {
            "total_return": self.total_return, "cagr": self.cagr, "volatility": self.volatility,
            "sharpe": self.sharpe, "max_drawdown": self.max_drawdown, "turnover": self.turnover,
            "summary": self.summary,
        }  # fmt: skip


def _finite(value: float) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def summarize_returns(frame: pl.DataFrame, benchmark: pl.DataFrame | None = None) -> ResultSummary:
    """Headline metrics of a ``date, return`` series (no turnover)."""
    perf = performance_summary(frame, benchmark=benchmark)
    return ResultSummary(
        total_return=_finite(perf.total_return),
        cagr=_finite(perf.annual_return),
        volatility=_finite(perf.annual_volatility),
        sharpe=_finite(perf.sharpe_ratio),
        max_drawdown=_finite(perf.max_drawdown),
        turnover=None,
        summary=perf.as_dict(),
    )


def summarize(result: BacktestResult) -> ResultSummary:
    """Performance of the net daily returns (vs the benchmark when present) and costs/turnover."""
    daily = result.daily
    net = daily.select("date", pl.col("net_return").alias("return"))
    bench = daily.select("date", pl.col("benchmark").alias("return")) if "benchmark" in daily.columns else None
    perf = performance_summary(net, benchmark=bench)
    gross = performance_summary(daily.select("date", pl.col("gross_return").alias("return")))
    turnover = float(daily["turnover"].mean() or 0.0) * TRADING_DAYS_PER_YEAR
    extra = {
        "gross_total_return": _finite(gross.total_return),
        "gross_sharpe_ratio": _finite(gross.sharpe_ratio),
        "annual_turnover": turnover,
        "total_cost": float(daily["cost"].sum()),
        "average_positions": float(daily["n_positions"].mean() or 0.0),
        "n_trades": result.trades.height,
        "n_missing_returns_held": result.n_missing_returns_held,
        "n_trades_without_impact": result.n_trades_without_impact,
    }
    return ResultSummary(
        total_return=_finite(perf.total_return),
        cagr=_finite(perf.annual_return),
        volatility=_finite(perf.annual_volatility),
        sharpe=_finite(perf.sharpe_ratio),
        max_drawdown=_finite(perf.max_drawdown),
        turnover=turnover,
        summary={**perf.as_dict(), **extra},
    )


def results_write(
    *, run: BacktestRun, claim: Claim, result: BacktestResult, staging: Path, inputs: BacktestInputs
) -> ResultSummary:
    """Write the series and manifest into ``staging`` and publish them (see the module docstring)."""
    if staging.exists():
        shutil.rmtree(staging)  # a previous try of this same attempt number left files behind
    staging.mkdir(parents=True)
    summary = summarize(result)
    frames = {"daily": result.daily, "positions": result.positions, "trades": result.trades}
    entries = {}
    for name, frame in frames.items():
        path = atomic_write(staging / f"{name}.parquet", frame.write_parquet, validate=_readable)
        entries[name] = {"path": path.name, "sha256": sha256_file(path), "rows": frame.height}
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run.pk,
        "attempt": claim.attempt,
        "config": run.config,
        "config_hash": run.config_hash,
        "dataset_versions": inputs.dataset_versions,
        "code_version": run.code_version,
        "written_at": timezone.now().isoformat(timespec="seconds"),
        "files": entries,
        "summary": summary.summary,
    }
    atomic_write_text(staging / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True, default=str))
    _publish(run.pk, claim, staging, summary)
    return summary


def _readable(path: Path) -> None:
    pl.read_parquet_schema(path)


def _publish(run_id: int, claim: Claim, staging: Path, summary: ResultSummary) -> None:
    final = run_dir(run_id)
    with transaction.atomic():
        if owned(claim).select_for_update().first() is None:
            shutil.rmtree(staging, ignore_errors=True)
            raise JobLost(f"run {run_id} was taken over; attempt {claim.attempt} discards its results")
        if final.exists():
            shutil.rmtree(final)  # only a published-then-rolled-back directory can be here
        os.replace(staging, final)
        for leftover in final.parent.glob(f"{run_id}.attempt-*"):  # a killed attempt's files
            shutil.rmtree(leftover, ignore_errors=True)
        fsync_dir(final.parent)
        run = BacktestRun.objects.get(pk=run_id)
        _reference_warehouse_versions(run)
        BacktestRun.objects.filter(pk=run_id).update(**summary.row_fields(), result_path=str(final))


def _reference_warehouse_versions(run: BacktestRun) -> None:
    """Protect the dataset versions this result read from warehouse gc (removed when pruned)."""
    try:
        from warehouse.references import add_reference
    except ImportError:
        return
    for dataset, version in run.dataset_versions.items():
        if isinstance(version, int):
            add_reference(dataset, version, f"backtest:{run.pk}")


def read_manifest(run: BacktestRun) -> dict[str, Any]:
    return json.loads((Path(run.result_path) / MANIFEST).read_text())


def read_series(run: BacktestRun, name: str) -> pl.DataFrame:
    """One series of a succeeded run, checked against the manifest's sha256."""
    if name not in SERIES:
        raise ValueError(f"unknown series {name!r}; choose one of {SERIES}")
    entry = read_manifest(run)["files"][name]
    path = Path(run.result_path) / entry["path"]
    if sha256_file(path) != entry["sha256"]:
        raise OSError(f"{path} does not match its manifest checksum")
    return pl.read_parquet(path)


def results_delete(run: BacktestRun) -> None:
    """Remove a run's result directory and any staging directories."""
    base = Path(settings.BACKTESTS_DIR)
    for path in [run_dir(run.pk), *base.glob(f"{run.pk}.attempt-*")]:
        shutil.rmtree(path, ignore_errors=True)
