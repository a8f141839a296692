"""VPIN with bulk volume classification, in mlfinlab's conventions, and equal-volume buckets from trades.

Buy volume V_B = V * Phi(dP / sigma), dP = close.diff(), sigma = the sample std (ddof 1) of dP over
the last ``sigma_window`` bars (20, a full window required). VPIN_t = mean(|V_B - V_S| over the last
``window`` bars) / V_t, V_S = V - V_B (mlfinlab divides the rolling mean by the bar's own volume).
On equal-volume buckets V_t is the bucket size, so this is the textbook VPIN of Easley, Lopez de
Prado and O'Hara (2012). Rows without a full history are null. VPIN is a fraction in [0, 1].
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

SIGMA_WINDOW = 20


def bvc_buy_volume(close: np.ndarray, volume: np.ndarray, *, sigma_window: int = SIGMA_WINDOW) -> np.ndarray:
    """Bulk-classified buy volume per bar (NaN where sigma is not yet defined)."""
    c = pl.Series(np.asarray(close, dtype=float))
    dp = c.diff()
    sigma = dp.rolling_std(window_size=sigma_window, ddof=1)
    z = (dp / sigma).fill_null(np.nan).to_numpy()
    return np.asarray(volume, dtype=float) * stats.norm.cdf(z)


def vpin(close: np.ndarray, volume: np.ndarray, *, window: int, sigma_window: int = SIGMA_WINDOW) -> np.ndarray:
    """VPIN per bar; NaN where the window is incomplete or undefined (0/0)."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    v = np.asarray(volume, dtype=float)
    buy = bvc_buy_volume(close, v, sigma_window=sigma_window)
    imbalance = pl.Series(np.abs(2 * buy - v)).fill_nan(None)
    mean = imbalance.rolling_mean(window_size=window).fill_null(np.nan).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        return mean / v


def volume_buckets(trades: pl.DataFrame, *, bucket_volume: float) -> pl.DataFrame:
    """Group trades (ts, symbol, price, size) into consecutive buckets of about ``bucket_volume`` shares.

    A trade is never split; the last, unfilled bucket is dropped. Bucket k holds the trades whose
    cumulative volume before them lies in [k V, (k+1) V). Output per symbol: bucket, ts (last trade), close, volume.
    """
    if bucket_volume <= 0:
        raise ValueError(f"bucket_volume must be positive, got {bucket_volume}")
    t = trades.sort("symbol", "ts").with_columns(
        bucket=((pl.col("size").cum_sum() - pl.col("size")).over("symbol") // bucket_volume).cast(pl.Int64)
    )
    out = (
        t.group_by("symbol", "bucket", maintain_order=True)
        .agg(ts=pl.col("ts").last(), close=pl.col("price").last(), volume=pl.col("size").sum())
        .sort("symbol", "bucket")
    )
    return out.filter(pl.col("volume") >= bucket_volume)  # the trailing, unfilled bucket is dropped


def bucket_vpin(trades: pl.DataFrame, *, bucket_volume: float, window: int = 50) -> pl.DataFrame:
    """Volume-bucketed VPIN per symbol: the bucket frame plus a ``vpin`` column (null until ``window`` buckets)."""
    buckets = volume_buckets(trades, bucket_volume=bucket_volume)
    parts = []
    for (_sym,), g in buckets.group_by("symbol", maintain_order=True):
        v = vpin(g["close"].to_numpy(), g["volume"].to_numpy(), window=window)
        parts.append(g.with_columns(vpin=pl.Series(v).fill_nan(None)))
    return pl.concat(parts) if parts else buckets.with_columns(vpin=pl.lit(None, pl.Float64))
