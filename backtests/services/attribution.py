"""Fama-French attribution of a finished backtest's daily net returns against the warehouse
``ff_factors`` (the research attribution analytics, applied to a backtest result)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from backtests.models import BacktestRun
from backtests.services.results import read_series
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
MIN_DAYS = 30


@dataclass(frozen=True)
class BacktestAttribution:
    result: AttributionResult
    rolling: pl.DataFrame  # date + one column per factor (and const)
    model: str
    window: int  # sessions of the rolling fit
    conditional: UpDownResult | None  # up-/down-market fits; None when a side has too few days


def backtest_attribution(*, run: BacktestRun, model: str = "ff3") -> BacktestAttribution:
    """Regress the run's daily net returns on the warehouse daily factors (Newey-West t-stats), plus
    rolling exposures and the conditional fits on up-market (mktrf > 0) and down-market days."""
    model_factors(model)  # validates the name
    daily = read_series(run, "daily").select("date", pl.col("net_return").alias("return")).drop_nulls()
    if daily.height < MIN_DAYS:
        raise ValueError(f"the backtest has fewer than {MIN_DAYS} daily returns")
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
