"""Reads: robustness diagnostics of a finished run from its verified Parquet files.

* Monte Carlo: resampled paths of the run's net daily returns (stationary bootstrap or shuffling)
  or of its holding-period returns (trade resampling), scored with the one metrics module.
* Benchmark-relative: up/down capture, beta fragility, rolling alpha/beta and rolling maximum
  drawdown against the run's cap-weighted benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from backtests.analytics.metrics import (
    beta_fragility_heuristic,
    capture_ratio,
    down_capture,
    rolling_alpha_beta,
    rolling_max_drawdown,
    up_capture,
    up_down_capture,
)
from backtests.analytics.montecarlo import (
    bootstrap_trades,
    fan_chart,
    holding_period_returns,
    resample_returns,
    score_paths,
)
from backtests.models import BacktestRun
from backtests.selectors import rounded, thin
from backtests.services.results import read_series
from quant.periods import TRADING_DAYS_PER_YEAR

MCMethod = Literal["stationary", "shuffle", "trades"]
MC_METHODS: dict[str, str] = {
    "stationary": "stationary bootstrap",
    "shuffle": "shuffled-return",
    "trades": "trade-resampling",
}
MC_SIMS = 500
MC_BLOCK = 10  # mean block length (days) of the stationary bootstrap
MC_SEED = 0
ROLLING_WINDOW = TRADING_DAYS_PER_YEAR  # one year of trading days for rolling alpha/beta and drawdown


@dataclass(frozen=True)
class MonteCarloView:
    """Bootstrap intervals and the wealth fan of a run's resampled returns."""

    n_sims: int
    method: str
    label: str
    unit: str  # what one step of a path is: a trading day or a holding period
    n_steps: int
    block: int | None
    confidence: float
    intervals: list[dict[str, Any]]
    fan: dict[str, list[float | None]]


def _trades(run: BacktestRun, daily: pl.DataFrame) -> tuple[np.ndarray, float]:
    """Holding-period returns between rebalances (days with trades) and holding periods per year."""
    traded = read_series(run, "trades").select("date").unique()
    starts = daily.select(pl.col("date").is_in(traded["date"].implode())).to_series().to_numpy()
    periods = holding_period_returns(daily["net_return"].to_numpy(), starts)
    first = int(np.argmax(starts)) if starts.any() else daily.height
    years = (daily.height - first) / TRADING_DAYS_PER_YEAR
    return periods, (periods.size / years if years > 0 else float("nan"))


def run_monte_carlo(
    run: BacktestRun, *, method: MCMethod = "stationary", n_sims: int = MC_SIMS, block: int = MC_BLOCK
) -> MonteCarloView:
    """Seeded resampling (the same run and settings always show the same bands)."""
    daily = read_series(run, "daily").sort("date")
    if method == "trades":
        base, per_year = _trades(run, daily)
        if base.size < 2:
            raise ValueError("this run has fewer than two holding periods to resample")
        paths = bootstrap_trades(base, n_sims=n_sims, seed=MC_SEED)
        unit = "holding period"
    else:
        base, per_year = daily["net_return"].to_numpy(), float(TRADING_DAYS_PER_YEAR)
        paths = resample_returns(base, n_sims=n_sims, method=method, block=block, seed=MC_SEED)
        unit = "trading day"
    result = score_paths(base, paths, periods_per_year=per_year, method=method)
    fan = fan_chart(paths)
    keep = thin(fan.height)
    intervals = [
        {"name": name, "estimate": ci.estimate, "lower": ci.lower, "upper": ci.upper}
        for name, ci in (
            ("Sharpe", result.sharpe_ci),
            ("CAGR", result.cagr_ci),
            ("Max drawdown", result.max_drawdown_ci),
        )
    ]
    return MonteCarloView(
        n_sims=result.n_sims, method=method, label=MC_METHODS[method], unit=unit, n_steps=int(paths.shape[1]),
        block=block if method == "stationary" else None, confidence=result.confidence, intervals=intervals,
        fan={col: rounded(fan[col].to_numpy()[keep], 4) for col in fan.columns},
    )  # fmt: skip


@dataclass(frozen=True)
class RelativeView:
    """Benchmark-relative numbers (fractions; capture ratios are ratios of annual returns)."""

    window: int
    n_days: int
    capture: float | None
    up_capture: float | None
    down_capture: float | None
    up_down_capture: float | None
    beta_fragility: float | None
    charts: dict[str, list[Any]]


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def run_relative(run: BacktestRun, *, window: int = ROLLING_WINDOW) -> RelativeView | None:
    """Capture ratios, beta fragility and rolling alpha/beta/drawdown of the net daily returns
    against the benchmark; None when the run has no benchmark series."""
    daily = read_series(run, "daily").sort("date")
    if "benchmark" not in daily.columns or daily["benchmark"].is_null().all():
        return None
    net = daily["net_return"].to_numpy()
    bench = daily["benchmark"].fill_null(np.nan).to_numpy()
    ab = rolling_alpha_beta(net, bench, window)
    mdd = rolling_max_drawdown(net, window)
    ends = daily["date"].to_list()[window - 1 :]
    keep = thin(len(ends))
    charts = {
        "dates": [ends[i].isoformat() for i in keep],
        "alpha": rounded(np.array([ab[i].alpha for i in keep]), 4),
        "beta": rounded(np.array([ab[i].beta for i in keep]), 3),
        "max_drawdown": rounded(mdd[keep], 4),
    }
    return RelativeView(
        window=window, n_days=daily.height, capture=_finite(capture_ratio(net, bench)),
        up_capture=_finite(up_capture(net, bench)), down_capture=_finite(down_capture(net, bench)),
        up_down_capture=_finite(up_down_capture(net, bench)),
        beta_fragility=_finite(beta_fragility_heuristic(net, bench)), charts=charts,
    )  # fmt: skip
