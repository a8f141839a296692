"""Reads for the comparison page: any mix of strategies (daily P&L snapshots) and finished backtests
(their Parquet net returns), side-by-side metrics, correlations, rolling metrics and a blend.

A compared item has a key: ``bt<id>`` for a backtest run, ``st<id>`` for a strategy. Metrics of each
item use its own dates; correlations and the blend use the dates every item shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from backtests.analytics.blend import RollingMetric, blend_returns, common_returns, correlation_matrix, rolling_metric
from backtests.analytics.metrics import PerformanceSummary, cumulative_returns, drawdown_series, performance_summary
from backtests.models import BacktestRun
from backtests.performance import snapshot_frame, strategy_returns
from backtests.selectors import rounded, thin
from backtests.services.results import read_series
from quant.models import Job, Strategy


@dataclass(frozen=True)
class Item:
    key: str  # bt<id> | st<id>
    label: str
    kind: str  # backtest | strategy
    obj: BacktestRun | Strategy
    returns: pl.DataFrame  # date, return
    summary: PerformanceSummary | None
    weight: float  # blend weight, fraction

    @property
    def weight_pct(self) -> str:
        return f"{round(self.weight * 100, 6):g}" if self.weight else ""


def backtest_returns(run: BacktestRun) -> pl.DataFrame:
    """Net daily returns of a finished run (the stitched out-of-sample series of a walk-forward)."""
    if run.kind == BacktestRun.Kind.WALK_FORWARD:
        return read_series(run, "oos").select("date", pl.col("return").cast(pl.Float64))
    return read_series(run, "daily").select("date", pl.col("net_return").cast(pl.Float64).alias("return"))


def _summary(returns: pl.DataFrame) -> PerformanceSummary | None:
    return performance_summary(returns) if returns.drop_nulls("return").height >= 2 else None


def items_for(runs: list[BacktestRun], strategies: list[Strategy], weights: dict[str, float]) -> list[Item]:
    """The compared items in the order asked (strategies first); unfinished runs are skipped."""
    items = []
    snaps = snapshot_frame([s.pk for s in strategies]) if strategies else None
    for s in strategies:
        assert snaps is not None
        returns = strategy_returns(snaps.filter(pl.col("strategy_id") == s.pk)).drop_nulls("return")
        items.append(
            Item(f"st{s.pk}", s.name, "strategy", s, returns, _summary(returns), weights.get(f"st{s.pk}", 0.0))
        )
    for run in runs:
        if run.job.status != Job.Status.SUCCEEDED:
            continue
        returns = backtest_returns(run).sort("date")
        label = f"#{run.pk} {run.label}".strip()
        items.append(
            Item(f"bt{run.pk}", label, "backtest", run, returns, _summary(returns), weights.get(f"bt{run.pk}", 0.0))
        )
    return items


def _on_union(frames: dict[str, pl.DataFrame], column: str) -> dict[str, Any]:
    """``{dates, series: [{key, values}]}`` of each frame's ``column`` on the union of dates (thinned)."""
    if not frames:
        return {"dates": [], "series": []}
    dates = pl.concat([f.select("date") for f in frames.values()]).unique().sort("date")
    dates = dates[thin(dates.height)]
    series = []
    for key, frame in frames.items():
        aligned = dates.join(frame.select("date", column), on="date", how="left").sort("date")
        series.append({"key": key, "values": rounded(aligned[column].fill_null(np.nan).to_numpy(), 4)})
    return {"dates": [d.isoformat() for d in dates["date"].to_list()], "series": series}


@dataclass(frozen=True)
class Comparison:
    items: list[Item]
    correlation: list[list[float | None]]
    n_common: int
    charts: dict[str, Any]  # equity, rolling, blend (JSON-ready)
    blend: PerformanceSummary | None
    weight_total: float

    @property
    def correlation_rows(self) -> list[tuple[Item, list[float | None]]]:
        return list(zip(self.items, self.correlation, strict=True))


def compare(items: list[Item], *, window: int, metric: RollingMetric) -> Comparison:
    """Correlations and blend on the common dates; equity and rolling ``metric`` per item."""
    wide = common_returns({i.key: i.returns for i in items})
    equity, rolling = {}, {}
    for i in items:
        r = i.returns.drop_nulls("return")
        values = r["return"].to_numpy()
        equity[i.key] = r.select("date").with_columns(v=pl.Series(cumulative_returns(values, starting_value=1.0)))
        rolling[i.key] = r.select("date").with_columns(v=pl.Series(rolling_metric(values, window, metric)))
    charts: dict[str, Any] = {
        "labels": {i.key: i.label for i in items},
        "equity": _on_union(equity, "v"),
        "rolling": {**_on_union(rolling, "v"), "metric": metric, "window": window},
        "blend": None,
    }
    weights = {i.key: i.weight for i in items if i.weight}
    blend = None
    if weights and wide.height >= 2:
        mix = blend_returns(wide, weights)
        blend = performance_summary(mix)
        r = mix["return"].to_numpy()
        keep = thin(mix.height)
        charts["blend"] = {
            "dates": [d.isoformat() for d in mix["date"].gather(keep).to_list()],
            "equity": rounded(cumulative_returns(r, starting_value=1.0)[keep]),
            "drawdown": rounded(drawdown_series(r)[keep]),
        }
    return Comparison(items, correlation_matrix(wide), wide.height, charts, blend, sum(weights.values()))
