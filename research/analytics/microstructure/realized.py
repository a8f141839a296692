"""Daily realized measures from intraday prices: RV, subsampled RV, bipower and median RV, BNS jump test.

Returns are log returns of previous-tick prices on a regular grid from the open to the close
(the last trade at or before each grid point; the first grid point is the first trade of the day
when there is none before it). Units: variances of daily log returns (decimal², not annualised).

* RV = sum r_i²
* BPV = (pi/2) * sum |r_i| |r_{i-1}|                 (Barndorff-Nielsen & Shephard 2004)
* medRV = pi/(6 - 4 sqrt3 + pi) * n/(n-2) * sum med(|r_{i-1}|,|r_i|,|r_{i+1}|)²   (Andersen, Dobrev, Schaumburg 2012)
* TQ = n * mu43^-3 * n/(n-2) * sum |r_i r_{i-1} r_{i-2}|^(4/3), mu43 = 2^(2/3) Gamma(7/6)/Gamma(1/2)
* BNS ratio statistic z = ((RV - BPV)/RV) / sqrt(((pi/2)² + pi - 5) / n * max(1, TQ/BPV²)),
  one-sided p = 1 - Phi(z); a jump day when p < alpha (Huang & Tauchen 2005's max-adjusted form).
* subsampled RV: the mean of the RVs on the ``k`` grids offset by step/k (Zhang, Mykland, Ait-Sahalia 2005's average).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
from scipy import stats

from research.analytics.microstructure.cleaning import sorted_by_symbol_ts

MU1 = math.sqrt(2 / math.pi)
MU43 = 2 ** (2 / 3) * math.gamma(7 / 6) / math.gamma(1 / 2)
MEDRV_C = math.pi / (6 - 4 * math.sqrt(3) + math.pi)


def grid_prices(
    trades: pl.DataFrame,
    *,
    step: dt.timedelta = dt.timedelta(minutes=5),
    offset: dt.timedelta = dt.timedelta(0),
    market_open: dt.time = dt.time(9, 30),
    market_close: dt.time = dt.time(16, 0),
) -> pl.DataFrame:
    """Previous-tick prices on the grid open+offset, open+offset+step, ..., <= close: symbol, date, k (grid
    index), ts, price."""
    t = sorted_by_symbol_ts(trades.select("symbol", "ts", "price")).with_columns(date=pl.col("ts").dt.date())
    days = t.select("symbol", "date").unique().sort("symbol", "date")
    span = dt.datetime.combine(dt.date(2000, 1, 1), market_close) - dt.datetime.combine(
        dt.date(2000, 1, 1), market_open
    )
    n = int((span - offset) / step) + 1
    start = pl.col("date").cast(pl.Datetime("us")) + pl.duration(
        hours=market_open.hour, minutes=market_open.minute, microseconds=int(offset / dt.timedelta(microseconds=1))
    )
    grid = (
        days.with_columns(k=pl.int_ranges(0, n))
        .explode("k")
        .with_columns(ts=(start + pl.col("k") * pl.duration(microseconds=int(step / dt.timedelta(microseconds=1)))))
        .with_columns(pl.col("ts").cast(t.schema["ts"]))
        .sort("symbol", "ts")
    )
    first = t.group_by("symbol", "date").agg(pl.col("price").first().alias("_first"))
    out = grid.join_asof(t.drop("date"), on="ts", by="symbol", strategy="backward", check_sortedness=False)
    out = out.join(first, on=["symbol", "date"], how="left")
    return out.with_columns(pl.col("price").fill_null(pl.col("_first"))).drop("_first").drop_nulls("price")


def grid_returns(prices: pl.DataFrame) -> pl.DataFrame:
    """Log returns within each symbol-day from :func:`grid_prices` output: symbol, date, ts, ret."""
    return (
        prices.sort("symbol", "ts")
        .with_columns(ret=pl.col("price").log().diff().over("symbol", "date"))
        .drop_nulls("ret")
        .select("symbol", "date", "ts", "ret")
    )


def measures_from_returns(returns: pl.DataFrame, *, alpha: float = 0.01) -> pl.DataFrame:
    """Per symbol-day: n, rv, bpv, medrv, tq, bns_z, bns_p, jump (bool), jump_var = max(rv - bpv, 0) on jump days."""
    a = pl.col("ret").abs()
    r = returns.sort("symbol", "ts").with_columns(
        _a1=a.shift(1).over("symbol", "date"),
        _a2=a.shift(2).over("symbol", "date"),
        _an=a.shift(-1).over("symbol", "date"),
    )
    med = pl.max_horizontal(
        pl.min_horizontal(pl.col("_a1"), a),
        pl.min_horizontal(pl.max_horizontal(pl.col("_a1"), a), pl.col("_an")),
    )
    daily = r.group_by("symbol", "date").agg(
        n=pl.len(),
        rv=(pl.col("ret") ** 2).sum(),
        bpv=(math.pi / 2) * (a * pl.col("_a1")).sum(),
        _med=pl.when(pl.col("_a1").is_not_null() & pl.col("_an").is_not_null()).then(med**2).sum(),
        _tq=((a * pl.col("_a1") * pl.col("_a2")) ** (4 / 3)).sum(),
    )
    n = pl.col("n").cast(pl.Float64)
    daily = daily.with_columns(
        medrv=pl.when(n > 2).then(MEDRV_C * n / (n - 2) * pl.col("_med")),
        tq=pl.when(n > 2).then(n * MU43**-3 * n / (n - 2) * pl.col("_tq")),
    ).drop("_med", "_tq")
    var = ((math.pi / 2) ** 2 + math.pi - 5) / n * pl.max_horizontal(pl.lit(1.0), pl.col("tq") / pl.col("bpv") ** 2)
    daily = daily.with_columns(
        bns_z=pl.when((pl.col("rv") > 0) & (pl.col("bpv") > 0)).then(
            (pl.col("rv") - pl.col("bpv")) / pl.col("rv") / var.sqrt()
        )
    )
    p = stats.norm.sf(daily["bns_z"].fill_null(np.nan).to_numpy())
    daily = daily.with_columns(bns_p=pl.Series(p).fill_nan(None))
    return daily.with_columns(
        jump=pl.col("bns_p") < alpha,
        jump_var=pl.when(pl.col("bns_p") < alpha)
        .then(pl.max_horizontal(pl.col("rv") - pl.col("bpv"), 0.0))
        .otherwise(0.0),
    ).sort("symbol", "date")


def _subsampled(fine: pl.DataFrame, k: int) -> pl.DataFrame:  # rv_sub per symbol-day
    """Subsampled RV from previous-tick prices on the fine grid (step/k): grid j is every k-th point from j."""
    parts = []
    for j in range(k):
        ret = grid_returns(fine.filter(pl.col("k") % k == j))
        parts.append(ret.group_by("symbol", "date").agg(rv=(pl.col("ret") ** 2).sum()))
    return pl.concat(parts).group_by("symbol", "date").agg(rv_sub=pl.col("rv").mean()).sort("symbol", "date")


def realized_measures(
    trades: pl.DataFrame, *, step: dt.timedelta = dt.timedelta(minutes=5), subsamples: int = 5, alpha: float = 0.01
) -> pl.DataFrame:
    """Daily RV, subsampled RV, BPV, medRV, BNS test per symbol-day from cleaned trades.

    One previous-tick grid at step/subsamples serves both: the main grid is its every
    ``subsamples``-th point from the open, the subsampled grids the other offsets.
    """
    if subsamples < 1:
        raise ValueError(f"subsamples must be >= 1, got {subsamples}")
    fine = grid_prices(trades, step=step / subsamples)
    base = measures_from_returns(grid_returns(fine.filter(pl.col("k") % subsamples == 0)), alpha=alpha)
    return base.join(_subsampled(fine, subsamples), on=["symbol", "date"], how="left")
