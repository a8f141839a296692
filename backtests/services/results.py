"""Result files of a run: Parquet series in a `quant.artifacts` folder, published exactly once.

An attempt stages its series beside ``BACKTESTS_DIR/<id>/`` (`quant.artifacts.artifact_stage`).
Publishing renames the staged folder to ``BACKTESTS_DIR/<id>/`` and records it on the row in the
same database transaction, while the run's job row is locked and still owned by the attempt (the
job runner then marks the job succeeded); a zombie attempt
(reaped, re-queued) fails that check and its staged files are deleted. So a run has one result set
or none. Readers (`read_series`) verify each file's sha256 against the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.db import transaction

from backtests.analytics.engine import BacktestResult
from backtests.analytics.metrics import performance_summary
from backtests.data import BacktestInputs
from backtests.models import BacktestRun
from quant.artifacts import ArtifactStage, artifact_delete, artifact_open, artifact_stage
from quant.jobs.services import Claim, JobLost, owned
from quant.periods import TRADING_DAYS_PER_YEAR
from warehouse.references import add_reference

SERIES = ("daily", "positions", "trades", "oos", "folds")  # the last two: walk-forward parents
KIND = "backtest"


def run_dir(run_id: int) -> Path:
    return Path(settings.BACKTESTS_DIR) / str(run_id)


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


def results_write(*, run: BacktestRun, claim: Claim, result: BacktestResult, inputs: BacktestInputs) -> ResultSummary:
    """Stage the series and publish them (see the module docstring)."""
    summary = summarize(result)
    frames = {"daily": result.daily, "positions": result.positions, "trades": result.trades}
    with artifact_stage(run_dir(run.pk), kind=KIND) as stage:
        for name, frame in frames.items():
            stage.write_parquet(name, frame)
        _publish(run, claim, stage, summary, dataset_versions=inputs.dataset_versions)
    return summary


def _publish(
    run: BacktestRun, claim: Claim, stage: ArtifactStage, summary: ResultSummary, *, dataset_versions: dict[str, Any]
) -> None:
    with transaction.atomic():
        if owned(claim).select_for_update().first() is None:  # leaving the stage's block deletes the staged files
            raise JobLost(f"run {run.pk} was taken over; attempt {claim.attempt} discards its results")
        # replace: only a published-then-rolled-back folder can already be there
        extra = {"run_id": run.pk, "attempt": claim.attempt, "config": run.config}
        stage.publish(dataset_versions=dataset_versions, config_hash=run.config_hash, summary=summary.summary,
                      extra=extra, replace=True)  # fmt: skip
        _reference_warehouse_versions(run)
        BacktestRun.objects.filter(pk=run.pk).update(**summary.row_fields(), result_path=str(stage.target))


def _reference_warehouse_versions(run: BacktestRun) -> None:
    """Protect the dataset versions this result read from warehouse gc (removed when pruned)."""
    for dataset, version in run.dataset_versions.items():
        if isinstance(version, int):
            add_reference(dataset, version, f"backtest:{run.pk}")


def read_series(run: BacktestRun, name: str) -> pl.DataFrame:
    """One series of a succeeded run, checked against the manifest's sha256."""
    if name not in SERIES:
        raise ValueError(f"unknown series {name!r}; choose one of {SERIES}")
    return artifact_open(run.result_path).read_parquet(name)


def results_delete(run: BacktestRun) -> None:
    """Remove a run's result directory and any staging left beside it."""
    artifact_delete(run_dir(run.pk))
