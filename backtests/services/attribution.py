"""Fama-French attribution of a finished backtest's daily net returns against the warehouse
``ff_factors`` (the research attribution analytics, applied to a backtest result)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from backtests.models import BacktestRun
from backtests.services.results import read_series
from research import io
from research.analytics.attribution import AttributionResult, UpDownResult, model_factors
from research.services.attribution import ModelFit, attribution_fit, attribution_models_compare, best_model

ROLLING_WINDOW = 126  # sessions (half a year) for the rolling exposure chart
MIN_DAYS = 30


@dataclass(frozen=True)
class BacktestAttribution:
    result: AttributionResult
    rolling: pl.DataFrame  # date + one column per factor (and const)
    model: str
    window: int  # sessions of the rolling fit
    conditional: UpDownResult | None  # up-/down-market fits; None when a side has too few days
    candidates: tuple[ModelFit, ...] = ()  # every model on the common sample (adjusted R², alpha)
    chosen: str = "best adjusted R²"  # why ``model`` is shown: "best adjusted R²" or "asked for"
    period: tuple[dt.date, dt.date] | None = None  # first and last day fitted


def run_return_range(run: BacktestRun) -> tuple[dt.date, dt.date] | None:
    """First and last day with a daily net return (None when the run has none)."""
    dates = read_series(run, "daily").drop_nulls("net_return")["date"]
    return (dates.min(), dates.max()) if dates.len() else None  # type: ignore[return-value]


def backtest_attribution(
    *, run: BacktestRun, model: str | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> BacktestAttribution:
    """Regress the run's daily net returns on the warehouse daily factors (Newey-West t-stats), plus
    rolling exposures and the conditional fits on up-market (mktrf > 0) and down-market days
    (``research.services.attribution.attribution_fit``, the procedure of the ``attribution`` command).

    ``model`` None picks the model with the best adjusted R² on the common sample: a momentum
    book regressed on FF3 would report its momentum premium as alpha. ``start``/``end`` (both
    included) fit a sub-period of the run; None: from its first / to its last day."""
    if model is not None:
        model_factors(model)  # validates the name
    daily = read_series(run, "daily").select("date", pl.col("net_return").alias("return")).drop_nulls()
    if start is not None:
        daily = daily.filter(pl.col("date") >= start)
    if end is not None:
        daily = daily.filter(pl.col("date") <= end)
    if daily.height < MIN_DAYS:
        where = "the backtest has" if start is None and end is None else "the chosen period has"
        raise ValueError(f"{where} fewer than {MIN_DAYS} daily returns ({daily.height})")
    factors = io.warehouse_factors("daily", daily["date"].min(), daily["date"].max())
    candidates = attribution_models_compare(returns=daily, factors=factors, frequency="daily")
    chosen = "asked for" if model is not None else "best adjusted R²"
    model = model or best_model(candidates)
    window = min(ROLLING_WINDOW, max(20, daily.height // 4))
    fit = attribution_fit(returns=daily, factors=factors, model=model, frequency="daily", rolling_window=window)
    try:
        conditional = attribution_fit(
            returns=daily, factors=factors, model=model, frequency="daily", conditional=True
        ).conditional
    except ValueError:  # one side has no more days than regressors + 1
        conditional = None
    assert fit.rolling is not None
    period = (daily["date"].min(), daily["date"].max())
    return BacktestAttribution(
        fit.result,
        fit.rolling,
        model,
        window,
        conditional,
        tuple(candidates),
        chosen,
        period,  # type: ignore[arg-type]
    )
