"""Benchmark-relative metrics: information ratio, tracking error, alpha/beta, capture ratios.

Alignment: ``returns`` and ``benchmark`` describe the same dates in the same order (align frames by
date first, e.g. with :func:`backtests.analytics.metrics.summary.align_on_dates`); periods where
either is missing are dropped. ``risk_free`` is a per-period rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._core import DEFAULT_PERIODS_PER_YEAR, ReturnsLike, align_pair, as_array, broadcast, safe_ratio
from .returns import annual_return


def tracking_error(
    returns: ReturnsLike,
    benchmark: ReturnsLike | float,
    *,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
) -> float:
    """Annualised standard deviation (``ddof=1``) of active returns ``r - b``."""
    r, b, _ = align_pair(returns, benchmark)
    if r.size < 2:
        return float("nan")
    return float(np.std(r - b, ddof=1) * np.sqrt(periods_per_year))


def information_ratio(
    returns: ReturnsLike,
    benchmark: ReturnsLike | float,
    *,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
) -> float:
    """``mean(r - b) / std(r - b, ddof=1) * sqrt(periods_per_year)``.

    With ``periods_per_year=1`` this is empyrical's (unannualised) ``excess_sharpe``.
    """
    r, b, _ = align_pair(returns, benchmark)
    if r.size < 2:
        return float("nan")
    active = r - b
    return safe_ratio(float(active.mean()), float(np.std(active, ddof=1))) * float(np.sqrt(periods_per_year))


@dataclass(frozen=True, slots=True)
class AlphaBeta:
    """CAPM regression of excess returns on excess benchmark returns.

    ``alpha`` is annualised geometrically from the mean per-period residual,
    ``(1 + mean(r - rf - beta (b - rf))) ** periods_per_year - 1`` (empyrical's convention);
    ``alpha_per_period`` is that mean residual. ``n_obs`` counts the aligned periods used.
    """

    alpha: float
    beta: float
    alpha_per_period: float
    n_obs: int


def alpha_beta(
    returns: ReturnsLike,
    benchmark: ReturnsLike,
    *,
    risk_free: ReturnsLike | float = 0.0,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
) -> AlphaBeta:
    """OLS beta ``cov(r-rf, b-rf) / var(b-rf)`` and the annualised alpha over aligned periods."""
    r_all = as_array(returns)
    b_all, rf_all = broadcast(benchmark, r_all.size), broadcast(risk_free, r_all.size)
    keep = ~(np.isnan(r_all) | np.isnan(b_all) | np.isnan(rf_all))
    r, b, rf = r_all[keep], b_all[keep], rf_all[keep]
    if r.size < 2:
        return AlphaBeta(float("nan"), float("nan"), float("nan"), int(r.size))
    y, x = r - rf, b - rf
    xd = x - x.mean()
    beta = safe_ratio(float(np.mean(xd * (y - y.mean()))), float(np.mean(xd**2)))
    a = float(np.mean(y - beta * x))
    return AlphaBeta((1.0 + a) ** periods_per_year - 1.0, beta, a, int(r.size))


def capture_ratio(
    returns: ReturnsLike, benchmark: ReturnsLike, *, periods_per_year: float = DEFAULT_PERIODS_PER_YEAR
) -> float:
    """Annual return of the strategy over annual return of the benchmark (aligned periods)."""
    r, b, _ = align_pair(returns, benchmark)
    return safe_ratio(
        annual_return(r, periods_per_year=periods_per_year),
        annual_return(b, periods_per_year=periods_per_year),
    )


def up_capture(
    returns: ReturnsLike, benchmark: ReturnsLike, *, periods_per_year: float = DEFAULT_PERIODS_PER_YEAR
) -> float:
    """Capture ratio over the periods where the benchmark return is > 0."""
    r, b, _ = align_pair(returns, benchmark)
    up = b > 0
    return capture_ratio(r[up], b[up], periods_per_year=periods_per_year)


def down_capture(
    returns: ReturnsLike, benchmark: ReturnsLike, *, periods_per_year: float = DEFAULT_PERIODS_PER_YEAR
) -> float:
    """Capture ratio over the periods where the benchmark return is < 0."""
    r, b, _ = align_pair(returns, benchmark)
    down = b < 0
    return capture_ratio(r[down], b[down], periods_per_year=periods_per_year)


def up_down_capture(
    returns: ReturnsLike, benchmark: ReturnsLike, *, periods_per_year: float = DEFAULT_PERIODS_PER_YEAR
) -> float:
    """Up capture divided by down capture."""
    return safe_ratio(
        up_capture(returns, benchmark, periods_per_year=periods_per_year),
        down_capture(returns, benchmark, periods_per_year=periods_per_year),
    )


def beta_fragility_heuristic(returns: ReturnsLike, benchmark: ReturnsLike) -> float:
    """Beta fragility heuristic (Taleb et al.; empyrical's implementation).

    Aligned pairs are sorted (stably) by benchmark return; with the lowest, median
    (index ``round(n/2)``, half to even) and highest benchmark observations,
    ``h = w_lo * r_lo + w_hi * r_hi - r_mid`` with ``w_lo = (b_mid - b_lo)/(b_hi - b_lo)`` and
    ``w_hi = (b_hi - b_mid)/(b_hi - b_lo)`` (both 0.5 when the benchmark is flat).
    NaN with fewer than three aligned periods.
    """
    r, b, _ = align_pair(returns, benchmark)
    if r.size < 3:
        return float("nan")
    order = np.argsort(b, kind="stable")
    r, b = r[order], b[order]
    mid = int(np.around(r.size / 2))
    span = b[-1] - b[0]
    w_lo = (b[mid] - b[0]) / span if span != 0 else 0.5
    w_hi = (b[-1] - b[mid]) / span if span != 0 else 0.5
    return float(w_lo * r[0] + w_hi * r[-1] - r[mid])
