"""Risk-adjusted ratios: Sharpe, Sortino, Calmar, Omega, hit rate.

Conventions
-----------
* ``risk_free`` and ``required_return`` are *per-period* rates (scalar or a series aligned by
  position with the returns); periods where either side is missing are dropped.
* Sharpe: ``mean(r - rf) / std(r - rf, ddof=1) * sqrt(periods_per_year)`` (arithmetic mean).
* Sortino: ``mean(r - req) * periods_per_year / downside_risk(r, req)`` (empyrical's convention).
* Calmar: geometric annual return over ``|max drawdown|``; NaN when there is no drawdown.
* A zero denominator gives +-inf for a non-zero numerator and NaN for 0/0.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._core import DEFAULT_PERIODS_PER_YEAR, Compounding, ReturnsLike, align_pair, clean, excess, safe_ratio
from .returns import annual_return
from .risk import downside_risk, max_drawdown


def sharpe_ratio(
    returns: ReturnsLike,
    *,
    risk_free: ReturnsLike | float = 0.0,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
) -> float:
    """Annualised Sharpe ratio of per-period excess returns (``ddof=1``); NaN below two periods."""
    x = excess(returns, risk_free)
    if x.size < 2:
        return float("nan")
    return safe_ratio(float(np.mean(x)), float(np.std(x, ddof=1))) * float(np.sqrt(periods_per_year))


def sortino_ratio(
    returns: ReturnsLike,
    *,
    required_return: ReturnsLike | float = 0.0,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
) -> float:
    """Annualised Sortino ratio: annualised arithmetic mean excess over annualised downside risk."""
    r, req, _ = align_pair(returns, required_return)
    if r.size == 0:
        return float("nan")
    num = float(np.mean(r - req) * periods_per_year)
    den = downside_risk(r, required_return=req, periods_per_year=periods_per_year)
    return safe_ratio(num, den)


def calmar_ratio(
    returns: ReturnsLike,
    *,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
    compounding: Compounding = "geometric",
) -> float:
    """Annual return divided by the absolute maximum drawdown; NaN if the series never draws down."""
    mdd = max_drawdown(returns, compounding=compounding)
    if np.isnan(mdd) or mdd >= 0.0:
        return float("nan")
    ann = annual_return(returns, periods_per_year=periods_per_year, compounding=compounding)
    return float(ann / abs(mdd))


def omega_ratio(
    returns: ReturnsLike,
    *,
    risk_free: ReturnsLike | float = 0.0,
    required_return: float = 0.0,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
) -> float:
    """Omega ratio: sum of gains over sum of losses relative to a threshold.

    ``required_return`` is an *annual* rate converted to a per-period threshold
    ``(1 + required_return) ** (1 / periods_per_year) - 1`` (used as-is when
    ``periods_per_year == 1``). NaN when there are no losses below the threshold.
    """
    if required_return <= -1.0:
        return float("nan")
    threshold = required_return if periods_per_year == 1 else (1.0 + required_return) ** (1.0 / periods_per_year) - 1.0
    x = excess(returns, risk_free) - threshold
    gains, losses = float(x[x > 0].sum()), float(-x[x < 0].sum())
    return gains / losses if losses > 0 else float("nan")


def hit_rate(returns: ReturnsLike, *, benchmark: ReturnsLike | float = 0.0) -> float:
    """Fraction of non-missing periods with a return strictly above ``benchmark`` (default 0)."""
    if np.isscalar(benchmark):
        r, _ = clean(returns)
        b = np.full(r.size, float(benchmark))  # type: ignore[arg-type]
    else:
        r, b, _ = align_pair(returns, benchmark)
    return float(np.mean(r > b)) if r.size else float("nan")


def sharpe_ratio_columns(
    returns: np.ndarray, *, risk_free: float = 0.0, periods_per_year: float = DEFAULT_PERIODS_PER_YEAR
) -> np.ndarray:
    """Vectorised :func:`sharpe_ratio` of each column of a ``(periods, strategies)`` matrix.

    Same convention (``ddof=1``, ``sqrt(periods_per_year)``); NaNs are dropped per column;
    a zero-volatility column gives +-inf (NaN if its mean is also 0); fewer than 2 values -> NaN.
    """
    x = np.asarray(returns, dtype=float) - risk_free
    n = (~np.isnan(x)).sum(axis=0)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=0)
        sd = np.nanstd(x, axis=0, ddof=1)
        out = mean / sd * np.sqrt(periods_per_year)
    out[(sd == 0) & (mean == 0)] = np.nan
    out[n < 2] = np.nan
    return out
