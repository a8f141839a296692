"""Cumulative, total, annualised and calendar-aggregated returns.

Conventions
-----------
* Inputs are simple (arithmetic) per-period returns as fractions (0.01 = 1 %).
* ``compounding="geometric"`` (default) chains returns, ``prod(1 + r) - 1``;
  ``compounding="arithmetic"`` sums them (for log returns, or qlib's ``mode="sum"``).
* Missing values: NaN/null returns are dropped and do not count as periods.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ._core import DEFAULT_PERIODS_PER_YEAR, Compounding, ReturnsLike, clean

AggregatePeriod = str  # "weekly" | "monthly" | "quarterly" | "yearly"


def cumulative_returns(
    returns: ReturnsLike, *, starting_value: float = 0.0, compounding: Compounding = "geometric"
) -> np.ndarray:
    """Cumulative return path over the non-missing periods.

    Parameters
    ----------
    returns : per-period simple returns; NaN/null periods are dropped (the path is shorter).
    starting_value : 0 returns the cumulative *return*; any other value returns the wealth path
        ``starting_value * (1 + cumulative return)``.
    compounding : ``"geometric"`` (``cumprod(1+r)-1``) or ``"arithmetic"`` (``cumsum(r)``).

    Returns
    -------
    numpy.ndarray of the same length as the non-missing input.
    """
    r, _ = clean(returns)
    cum = np.cumsum(r) if compounding == "arithmetic" else np.cumprod(1.0 + r) - 1.0
    return cum if starting_value == 0 else starting_value * (1.0 + cum)


def total_return(returns: ReturnsLike, *, compounding: Compounding = "geometric") -> float:
    """Return over the whole series, ``prod(1+r)-1`` (geometric) or ``sum(r)`` (arithmetic).

    NaN periods are dropped; an empty series returns NaN.
    """
    r, _ = clean(returns)
    if r.size == 0:
        return float("nan")
    return float(r.sum()) if compounding == "arithmetic" else float(np.prod(1.0 + r) - 1.0)


def annual_return(
    returns: ReturnsLike,
    *,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
    compounding: Compounding = "geometric",
) -> float:
    """Annualised return (CAGR for geometric compounding).

    Geometric: ``(prod(1+r)) ** (periods_per_year / n) - 1`` where ``n`` counts only the
    *non-missing* periods (empyrical counts NaN periods in ``n``; we do not).
    Arithmetic: ``mean(r) * periods_per_year``.
    A total loss (wealth <= 0) returns -1. An empty series returns NaN.
    """
    r, _ = clean(returns)
    if r.size == 0:
        return float("nan")
    if compounding == "arithmetic":
        return float(r.mean() * periods_per_year)
    wealth = float(np.prod(1.0 + r))
    if wealth <= 0.0:
        return -1.0
    return float(wealth ** (periods_per_year / r.size) - 1.0)


cagr = annual_return


def _period_key(period: AggregatePeriod) -> list[pl.Expr]:
    d = pl.col("date")
    keys = {
        "weekly": [d.dt.iso_year().alias("year"), d.dt.week().alias("period")],
        "monthly": [d.dt.year().alias("year"), d.dt.month().alias("period")],
        "quarterly": [d.dt.year().alias("year"), d.dt.quarter().alias("period")],
        "yearly": [d.dt.year().alias("year"), pl.lit(1).alias("period")],
    }
    try:
        return keys[period]
    except KeyError:
        raise ValueError(f"period must be one of {sorted(keys)}, got {period!r}") from None


def aggregate_returns(
    frame: pl.DataFrame, period: AggregatePeriod, *, compounding: Compounding = "geometric"
) -> pl.DataFrame:
    """Compound a ``date, return`` series into calendar periods.

    Weeks are ISO weeks (Monday to Sunday, keyed by ISO year); months, quarters and years are
    calendar ones. Null/NaN returns are dropped before compounding. Returns columns
    ``year, period, return, n_obs`` sorted by period.
    """
    growth = pl.col("return").sum() if compounding == "arithmetic" else (pl.col("return") + 1.0).product() - 1.0
    return (
        frame.select("date", pl.col("return").cast(pl.Float64).fill_nan(None))
        .drop_nulls("return")
        .group_by(_period_key(period))
        .agg(growth.alias("return"), pl.len().alias("n_obs"))
        .sort("year", "period")
    )
