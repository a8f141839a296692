"""Realized kernel with the Parzen weight function (Barndorff-Nielsen, Hansen, Lunde & Shephard 2008, 2009).

Per symbol-day, on tick log returns r_1..r_n (consecutive cleaned trades of the day, after the
same-timestamp merge; no overnight return):

* RK = gamma_0 + 2 sum_{h=1..H} k(h / (H + 1)) gamma_h, gamma_h = sum_{j>h} r_j r_{j-h}
  (the univariate, symmetric form: gamma_{-h} = gamma_h);
* Parzen k(x) = 1 - 6x² + 6x³ for 0 <= x <= 1/2, 2(1 - x)³ for 1/2 < x <= 1, 0 beyond
  (non-negative by construction);
* bandwidth H = ceil(c* xi^(4/5) n^(3/5)), c* = (12² / 0.269)^(1/5) = 3.5134, xi² = omega² / IV with
  the noise variance omega² = RV_tick / (2n) (Bandi & Russell's estimator) and IV the day's
  5-minute RV. BNHLS (2009) estimate IV by a 20-minute subsampled RV and omega² over q-skip grids,
  and jitter the end points; those refinements are not applied here.

Units: variance of the daily log return (decimal², not annualised), like RV. A day with fewer
than 3 returns, or a non-positive IV, has RK null.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from research.analytics.microstructure.cleaning import sorted_by_symbol_ts

C_STAR = (12.0**2 / 0.269) ** 0.2


def parzen(x: np.ndarray) -> np.ndarray:
    """The Parzen weight function on x >= 0."""
    x = np.asarray(x, dtype=float)
    return np.where(x <= 0.5, 1 - 6 * x**2 + 6 * x**3, np.where(x <= 1, 2 * (1 - x) ** 3, 0.0))


def kernel_bandwidth(n: int, rv_tick: float, iv: float) -> int:
    """H = ceil(c* xi^(4/5) n^(3/5)) with xi² = (RV_tick / 2n) / IV; at least 1."""
    xi2 = rv_tick / (2 * n) / iv
    return max(1, math.ceil(C_STAR * xi2**0.4 * n**0.6))


def realized_kernel_of(r: np.ndarray, bandwidth: int) -> float:
    """RK of one day's returns with a given bandwidth H."""
    x = np.asarray(r, dtype=float)
    h_max = min(bandwidth, len(x) - 1)
    gammas = np.array([x[h:] @ x[: len(x) - h] for h in range(1, h_max + 1)])
    weights = parzen(np.arange(1, h_max + 1) / (bandwidth + 1))
    return float(x @ x + 2 * weights @ gammas)


def realized_kernel(trades: pl.DataFrame, iv: pl.DataFrame) -> pl.DataFrame:
    """Per symbol-day ``symbol, date, rk, rk_bandwidth`` from cleaned trades (ts, symbol, price) and
    ``iv`` (symbol, date, rv: the 5-minute RV used to choose the bandwidth)."""
    ret = (
        sorted_by_symbol_ts(trades.select("symbol", "ts", "price"))
        .with_columns(date=pl.col("ts").dt.date())
        .with_columns(r=pl.col("price").log().diff().over("symbol", "date"))
        .drop_nulls("r")
    )
    days = (
        ret.group_by("symbol", "date", maintain_order=True)
        .agg(n=pl.len())
        .join(iv.select("symbol", "date", "rv"), on=["symbol", "date"], how="left")
    )
    values = ret["r"].to_numpy()
    ends = np.cumsum(days["n"].to_numpy())
    rk: list[float | None] = []
    bw: list[int | None] = []
    for end, n, rv in zip(ends, days["n"], days["rv"], strict=True):
        r = values[end - n : end]
        if n < 3 or rv is None or not rv > 0:
            rk.append(None)
            bw.append(None)
            continue
        h = kernel_bandwidth(n, float(r @ r), rv)
        rk.append(realized_kernel_of(r, h))
        bw.append(h)
    return days.select("symbol", "date").with_columns(
        rk=pl.Series(rk, dtype=pl.Float64), rk_bandwidth=pl.Series(bw, dtype=pl.Int64)
    )
