"""Rolling-window metrics and turnover.

Rolling windows are over *rows* (observation slots, including missing ones); each window's metric
then applies the usual policy and drops the missing values inside it. The output has
``n - window + 1`` values, the i-th covering rows ``i .. i + window - 1``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from ._core import DEFAULT_PERIODS_PER_YEAR, ReturnsLike, as_array, broadcast
from .relative import AlphaBeta, alpha_beta
from .risk import max_drawdown


def rolling_apply(returns: ReturnsLike, window: int, func: Callable[[np.ndarray], float]) -> np.ndarray:
    """Apply ``func`` to each full window of ``window`` rows."""
    r = as_array(returns)
    if window < 1 or window > r.size:
        return np.array([], dtype=float)
    return np.array([func(r[i : i + window]) for i in range(r.size - window + 1)], dtype=float)


def rolling_sharpe(
    returns: ReturnsLike, window: int, *, periods_per_year: float = DEFAULT_PERIODS_PER_YEAR
) -> np.ndarray:
    """Annualised Sharpe ratio (rf = 0) of each window: :func:`sharpe_ratio` of every window,
    vectorised over a strided view (missing values inside a window are dropped, as there)."""
    r = as_array(returns)
    if window < 1 or window > r.size:
        return np.array([], dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(r, window)
    present = ~np.isnan(windows)
    count = present.sum(axis=1)
    values = np.where(present, windows, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = values.sum(axis=1) / count
        dev = np.where(present, windows - mean[:, None], 0.0)
        std = np.sqrt((dev * dev).sum(axis=1) / (count - 1))
        ratio = mean / std
        # safe_ratio's IEEE semantics: 0/0 -> NaN, x/0 -> +-inf; fewer than two values -> NaN
        ratio = np.where(std == 0.0, np.where(mean == 0.0, np.nan, np.sign(mean) * np.inf), ratio)
    ratio = np.where(count < 2, np.nan, ratio)
    return ratio * float(np.sqrt(periods_per_year))


def rolling_max_drawdown(returns: ReturnsLike, window: int) -> np.ndarray:
    """Maximum drawdown of each window, each starting from fresh capital."""
    return rolling_apply(returns, window, max_drawdown)


def rolling_alpha_beta(
    returns: ReturnsLike,
    benchmark: ReturnsLike,
    window: int,
    *,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
) -> list[AlphaBeta]:
    """:func:`alpha_beta` over each window of positionally aligned rows."""
    r = as_array(returns)
    b = broadcast(benchmark, r.size)
    return [
        alpha_beta(r[i : i + window], b[i : i + window], periods_per_year=periods_per_year)
        for i in range(max(r.size - window + 1, 0))
    ]


def turnover(weights: pl.DataFrame, *, one_sided: bool = True) -> pl.DataFrame:
    """Turnover per rebalance date from a ``date, asset, weight`` panel.

    ``sum_i |w_{i,t} - w_{i,t-1}|`` over the union of assets held at t-1 or t (an absent asset has
    weight 0; the first date is measured from an all-cash book). ``one_sided=True`` halves it
    (the fraction of the book bought, equal to the fraction sold for a fully invested book).
    This compares consecutive *target* weights; the engine reports turnover against drifted
    pre-trade weights instead. Returns ``date, turnover`` sorted by date.
    """
    dates = weights.select(pl.col("date").unique().sort())
    wide = (
        weights.pivot(on="asset", index="date", values="weight", aggregate_function="sum")
        .pipe(lambda f: dates.join(f, on="date", how="left"))
        .fill_null(0.0)
        .sort("date")
    )
    w = wide.drop("date").to_numpy()
    prev = np.vstack([np.zeros((1, w.shape[1])), w[:-1]])
    total = np.abs(w - prev).sum(axis=1) * (0.5 if one_sided else 1.0)
    return pl.DataFrame({"date": wide["date"], "turnover": total})
