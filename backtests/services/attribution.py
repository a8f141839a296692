"""Fama-French attribution of a finished backtest's daily net returns against the warehouse
``ff_factors`` (the research attribution analytics, applied to a backtest result)."""

from __future__ import annotations

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


def backtest_attribution(*, run: BacktestRun, model: str | None = None) -> BacktestAttribution:
    """Regress the run's daily net returns on the warehouse daily factors (Newey-West t-stats), plus
    rolling exposures and the conditional fits on up-market (mktrf > 0) and down-market days
    (``research.services.attribution.attribution_fit``, the procedure of the ``attribution`` command).

    ``model`` None picks the model with the best adjusted R² on the common sample: a momentum
    book regressed on FF3 would report its momentum premium as alpha."""
    if model is not None:
        model_factors(model)  # validates the name
    daily = read_series(run, "daily").select("date", pl.col("net_return").alias("return")).drop_nulls()
    if daily.height < MIN_DAYS:
        raise ValueError(f"the backtest has fewer than {MIN_DAYS} daily returns")
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
    return BacktestAttribution(fit.result, fit.rolling, model, window, conditional, tuple(candidates), chosen)
