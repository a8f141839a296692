"""One-click backtest of a signal (through the backtest job service) and Fama-French attribution
of a finished backtest's daily net returns against the warehouse ``ff_factors``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from quant.periods import TRADING_DAYS_PER_YEAR
from research import io
from research.analytics.attribution import (
    AttributionResult,
    UpDownResult,
    align_excess_returns,
    factor_regression,
    model_factors,
    rolling_exposures,
    up_down_attribution,
)

ROLLING_WINDOW = 126  # sessions (half a year) for the rolling exposure chart


def signal_backtest_create(*, signal: str, owner: Any) -> Any:
    """Queue a monthly long-short decile backtest of ``signal`` over the warehouse span.

    Returns the backtest service's ``CreateResult`` (an identical queued/finished run is reused).
    The backtest computes ``signal`` with its one definition in ``research.analytics.signals``.
    Raises ValueError with a reason when the signal is unknown or data is missing.
    """
    from backtests.configs import BacktestConfig, ConfigError
    from backtests.data import DataUnavailable, data_range
    from backtests.services import backtest_run_create

    try:
        span = data_range("warehouse")
        config = BacktestConfig(signal=signal, start=span.first, end=span.last, rebalance="monthly",
                                construction="long_short_decile")  # fmt: skip
        return backtest_run_create(config=config, owner=owner, label=f"alpha explorer: {signal} L/S decile")
    except (DataUnavailable, ConfigError) as exc:
        raise ValueError(str(exc)) from exc


@dataclass(frozen=True)
class BacktestAttribution:
    result: AttributionResult
    rolling: pl.DataFrame  # date + one column per factor (and const)
    model: str
    window: int  # sessions of the rolling fit
    conditional: UpDownResult | None  # up-/down-market fits; None when a side has too few days


def backtest_attribution(*, run: Any, model: str = "ff3") -> BacktestAttribution:
    """Regress the run's daily net returns on the warehouse daily factors (Newey-West t-stats), plus
    rolling exposures and the conditional fits on up-market (mktrf > 0) and down-market days."""
    from backtests.services.results import read_series

    model_factors(model)  # validates the name
    daily = read_series(run, "daily").select("date", pl.col("net_return").alias("return")).drop_nulls()
    if daily.height < 30:
        raise ValueError("the backtest has fewer than 30 daily returns")
    factors = io.warehouse_factors("daily", daily["date"].min(), daily["date"].max())
    aligned = align_excess_returns(daily, factors, model=model, frequency="daily")
    result = factor_regression(aligned, model=model, periods_per_year=TRADING_DAYS_PER_YEAR)
    window = min(ROLLING_WINDOW, max(20, aligned.frame.height // 4))
    try:
        conditional = up_down_attribution(aligned, model=model, periods_per_year=TRADING_DAYS_PER_YEAR)
    except ValueError:  # one side has no more days than regressors + 1
        conditional = None
    return BacktestAttribution(result, rolling_exposures(aligned, model=model, window=window), model, window,
                               conditional)  # fmt: skip
