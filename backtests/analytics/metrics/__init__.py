"""The one performance-metrics module of Quantdesk.

Pure numpy/polars functions over simple per-period returns (fractions). Every annualised number
takes ``periods_per_year`` explicitly (default: ``quant.periods.TRADING_DAYS_PER_YEAR``).
Missing values: NaN/null returns are dropped and reported (``n_missing``); benchmark-relative
metrics use only the periods where both series are present. See ``docs/backtests.md`` for the
conventions table and the documented differences from empyrical.
"""

from __future__ import annotations

from ._core import DEFAULT_PERIODS_PER_YEAR, Compounding, ReturnsLike, align_pair, clean
from .ratios import calmar_ratio, hit_rate, omega_ratio, sharpe_ratio, sharpe_ratio_columns, sortino_ratio
from .relative import (
    AlphaBeta,
    alpha_beta,
    beta_fragility_heuristic,
    capture_ratio,
    down_capture,
    information_ratio,
    tracking_error,
    up_capture,
    up_down_capture,
)
from .returns import aggregate_returns, annual_return, cagr, cumulative_returns, total_return
from .risk import (
    DrawdownInfo,
    annual_volatility,
    conditional_value_at_risk,
    downside_risk,
    drawdown_series,
    max_drawdown,
    max_drawdown_info,
    stability_of_timeseries,
    tail_ratio,
    value_at_risk,
)
from .rolling import (
    rolling_alpha_beta,
    rolling_apply,
    rolling_max_drawdown,
    rolling_sharpe,
    turnover,
)
from .summary import BenchmarkSummary, PerformanceSummary, align_on_dates, performance_summary

__all__ = [
    "DEFAULT_PERIODS_PER_YEAR",
    "AlphaBeta",
    "BenchmarkSummary",
    "Compounding",
    "DrawdownInfo",
    "PerformanceSummary",
    "ReturnsLike",
    "aggregate_returns",
    "align_on_dates",
    "align_pair",
    "alpha_beta",
    "annual_return",
    "annual_volatility",
    "beta_fragility_heuristic",
    "cagr",
    "calmar_ratio",
    "capture_ratio",
    "clean",
    "conditional_value_at_risk",
    "cumulative_returns",
    "down_capture",
    "downside_risk",
    "drawdown_series",
    "hit_rate",
    "information_ratio",
    "max_drawdown",
    "max_drawdown_info",
    "omega_ratio",
    "performance_summary",
    "rolling_alpha_beta",
    "rolling_apply",
    "rolling_max_drawdown",
    "rolling_sharpe",
    "sharpe_ratio",
    "sharpe_ratio_columns",
    "sortino_ratio",
    "stability_of_timeseries",
    "tail_ratio",
    "total_return",
    "tracking_error",
    "turnover",
    "up_capture",
    "up_down_capture",
    "value_at_risk",
]
