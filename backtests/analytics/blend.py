"""Comparing return series and blending them: common dates, correlation, rolling metrics, a
fixed-weight combined portfolio.

Pure functions over ``date, return`` frames (simple daily returns as fractions). The blend is
rebalanced to its weights every day: ``r_blend = Σ w_i r_i`` on the dates every series shares;
weights need not sum to one (the remainder ``1 - Σ w_i`` earns nothing, like cash at 0 %).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl

from backtests.analytics.metrics import DEFAULT_PERIODS_PER_YEAR, annual_return, annual_volatility, rolling_apply
from backtests.analytics.metrics import sharpe_ratio as _sharpe

RollingMetric = Literal["sharpe", "volatility", "return"]
ROLLING_METRICS: tuple[RollingMetric, ...] = ("sharpe", "volatility", "return")


def common_returns(series: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """A wide ``date, <key>...`` frame of the dates on which every series has a (non-null) return."""
    if not series:
        return pl.DataFrame({"date": []}, schema={"date": pl.Date})
    wide: pl.DataFrame | None = None
    for key, frame in series.items():
        col = frame.select("date", pl.col("return").cast(pl.Float64).fill_nan(None).alias(key)).drop_nulls()
        wide = col if wide is None else wide.join(col, on="date", how="inner")
    assert wide is not None
    return wide.sort("date")


def correlation_matrix(wide: pl.DataFrame) -> list[list[float | None]]:
    """Pearson correlations of the return columns of ``wide`` (None where undefined)."""
    keys = [c for c in wide.columns if c != "date"]
    if wide.height < 3 or not keys:
        return [[None] * len(keys) for _ in keys]
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(wide.select(keys).to_numpy(), rowvar=False)
    corr = np.atleast_2d(corr)
    return [[float(v) if np.isfinite(v) else None for v in row] for row in corr]


def rolling_metric(
    returns: np.ndarray, window: int, metric: RollingMetric, *, periods_per_year: float = DEFAULT_PERIODS_PER_YEAR
) -> np.ndarray:
    """Annualised Sharpe, volatility or return (geometric) over each window of ``window`` rows,
    aligned to the input: the first ``window - 1`` values are NaN."""
    funcs = {
        "sharpe": lambda w: _sharpe(w, periods_per_year=periods_per_year),
        "volatility": lambda w: annual_volatility(w, periods_per_year=periods_per_year),
        "return": lambda w: annual_return(w, periods_per_year=periods_per_year),
    }
    if metric not in funcs:
        raise ValueError(f"unknown rolling metric {metric!r}; choose one of {ROLLING_METRICS}")
    out = np.full(returns.size, np.nan)
    tail = rolling_apply(returns, window, funcs[metric])
    if tail.size:
        out[window - 1 :] = tail
    return out


def blend_returns(wide: pl.DataFrame, weights: dict[str, float]) -> pl.DataFrame:
    """``date, return`` of the portfolio holding ``weights`` of each column, rebalanced daily."""
    unknown = sorted(set(weights) - set(wide.columns))
    if unknown:
        raise ValueError(f"no returns for {unknown}")
    if any(not np.isfinite(w) for w in weights.values()):
        raise ValueError("weights must be finite numbers")
    expr = pl.sum_horizontal([pl.col(k) * w for k, w in weights.items()]) if weights else pl.lit(0.0)
    return wide.select("date", expr.cast(pl.Float64).alias("return"))


def pooled_returns(snapshots: pl.DataFrame) -> pl.DataFrame:
    """Daily return of several books held together, from ``strategy_id, date, equity, contributed``.

    ``r_t = Σ_s (E_st - E_s,t-1 - (C_st - C_s,t-1)) / Σ_s E_s,t-1`` (a book's first day counts from
    zero equity and zero capital, so new capital is a flow, not a gain). Dates where the books held
    nothing the day before are left out. Returns ``date, return, equity`` sorted by date.
    """
    if snapshots.is_empty():
        return pl.DataFrame(schema={"date": pl.Date, "return": pl.Float64, "equity": pl.Float64})
    prev = lambda c: pl.col(c).shift(1).over("strategy_id").fill_null(0.0)  # noqa: E731
    per_book = snapshots.sort("strategy_id", "date").with_columns(
        pnl=pl.col("equity") - prev("equity") - (pl.col("contributed") - prev("contributed")),
        base=prev("equity"),
    )
    daily = per_book.group_by("date").agg(pl.col("pnl").sum(), pl.col("base").sum(), pl.col("equity").sum())
    return (
        daily.filter(pl.col("base") > 0)
        .select("date", (pl.col("pnl") / pl.col("base")).alias("return"), "equity")
        .sort("date")
    )
