"""Risk metrics: volatility, downside deviation, drawdowns, VaR/CVaR, tail ratio, stability.

Conventions
-----------
* Volatility uses the sample standard deviation (``ddof=1``, as empyrical/pandas) and is
  annualised by ``sqrt(periods_per_year)``.
* Downside deviation follows empyrical: ``sqrt(mean(min(r - required, 0) ** 2))`` over all
  non-missing periods (``ddof=0``, zeros for periods above the threshold), times
  ``sqrt(periods_per_year)``. ``required_return`` is *per period*.
* Drawdowns are measured on the wealth path including the starting capital of 1.0.
* NaN/null returns are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

from ._core import DEFAULT_PERIODS_PER_YEAR, Compounding, ReturnsLike, align_pair, clean


def annual_volatility(returns: ReturnsLike, *, periods_per_year: float = DEFAULT_PERIODS_PER_YEAR) -> float:
    """``std(r, ddof=1) * sqrt(periods_per_year)``; NaN with fewer than two observations."""
    r, _ = clean(returns)
    if r.size < 2:
        return float("nan")
    return float(np.std(r, ddof=1) * np.sqrt(periods_per_year))


def downside_risk(
    returns: ReturnsLike,
    *,
    required_return: ReturnsLike | float = 0.0,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
) -> float:
    """Annualised downside deviation below a per-period ``required_return`` (scalar or series).

    ``sqrt(mean(min(r - required, 0)**2)) * sqrt(periods_per_year)`` over periods where both the
    return and the required return are present.
    """
    r, req, _ = align_pair(returns, required_return)
    if r.size == 0:
        return float("nan")
    shortfall = np.minimum(r - req, 0.0)
    return float(np.sqrt(np.mean(shortfall**2)) * np.sqrt(periods_per_year))


def drawdown_series(returns: ReturnsLike, *, compounding: Compounding = "geometric") -> np.ndarray:
    """Drawdown at each non-missing period (<= 0).

    Geometric: ``W_t / max(1, max_{s<=t} W_s) - 1`` with ``W = cumprod(1+r)``.
    Arithmetic: ``C_t - max(0, max_{s<=t} C_s)`` with ``C = cumsum(r)`` (return units).
    """
    r, _ = clean(returns)
    if compounding == "arithmetic":
        c = np.cumsum(r)
        return c - np.maximum.accumulate(np.maximum(c, 0.0))
    w = np.cumprod(1.0 + r)
    return w / np.maximum.accumulate(np.maximum(w, 1.0)) - 1.0


def max_drawdown(returns: ReturnsLike, *, compounding: Compounding = "geometric") -> float:
    """Most negative drawdown (a number <= 0); NaN for an empty series."""
    dd = drawdown_series(returns, compounding=compounding)
    return float(dd.min()) if dd.size else float("nan")


@dataclass(frozen=True, slots=True)
class DrawdownInfo:
    """The maximum drawdown and its dates.

    ``peak_date`` is None when the peak is the starting capital (before the first return);
    ``recovery_date`` is None when the wealth never regained the peak; ``duration_periods`` counts
    periods from peak to recovery (or to the end of the series when not recovered).
    """

    max_drawdown: float
    peak_date: dt.date | None
    trough_date: dt.date | None
    recovery_date: dt.date | None
    duration_periods: int


def max_drawdown_info(frame: pl.DataFrame, *, compounding: Compounding = "geometric") -> DrawdownInfo:
    """Maximum drawdown of a ``date, return`` frame with its peak, trough and recovery dates."""
    clean_frame = frame.select("date", pl.col("return").cast(pl.Float64).fill_nan(None)).drop_nulls()
    dates = clean_frame["date"].to_list()
    dd = drawdown_series(clean_frame["return"], compounding=compounding)
    if dd.size == 0 or dd.min() == 0.0:
        return DrawdownInfo(0.0 if dd.size else float("nan"), None, None, None, 0)
    trough = int(np.argmin(dd))
    at_peak = np.flatnonzero(dd[: trough + 1] == 0.0)
    peak = int(at_peak[-1]) if at_peak.size else None
    after = np.flatnonzero(dd[trough:] == 0.0)
    recovery = trough + int(after[0]) if after.size else None
    start = -1 if peak is None else peak
    end = recovery if recovery is not None else dd.size - 1
    return DrawdownInfo(
        max_drawdown=float(dd[trough]),
        peak_date=None if peak is None else dates[peak],
        trough_date=dates[trough],
        recovery_date=None if recovery is None else dates[recovery],
        duration_periods=end - start,
    )


def value_at_risk(returns: ReturnsLike, *, confidence: float = 0.95) -> float:
    """Historical VaR: the ``1 - confidence`` quantile of returns (linear interpolation).

    Reported as a return (a loss is negative), like empyrical's ``value_at_risk(cutoff)`` with
    ``cutoff = 1 - confidence``.
    """
    r, _ = clean(returns)
    if r.size == 0:
        return float("nan")
    return float(np.percentile(r, 100.0 * (1.0 - confidence)))


def conditional_value_at_risk(returns: ReturnsLike, *, confidence: float = 0.95) -> float:
    """Historical CVaR (expected shortfall): mean of the returns at or below the historical VaR."""
    r, _ = clean(returns)
    if r.size == 0:
        return float("nan")
    var = value_at_risk(r, confidence=confidence)
    return float(r[r <= var].mean())


def tail_ratio(returns: ReturnsLike) -> float:
    """``|95th percentile| / |5th percentile|`` of returns (linear interpolation)."""
    r, _ = clean(returns)
    if r.size == 0:
        return float("nan")
    lo = abs(np.percentile(r, 5))
    return float("nan") if lo == 0 else float(abs(np.percentile(r, 95)) / lo)


def stability_of_timeseries(returns: ReturnsLike) -> float:
    """R-squared of a linear fit of cumulative log returns ``cumsum(log1p(r))`` on time."""
    r, _ = clean(returns)
    if r.size < 2:
        return float("nan")
    fit = stats.linregress(np.arange(r.size, dtype=float), np.cumsum(np.log1p(r)))
    return float(fit.rvalue**2)
