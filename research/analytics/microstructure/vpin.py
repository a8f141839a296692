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
    """Equal-volume buckets of exactly ``bucket_volume`` shares per symbol (trades split across buckets).

    Bucket k closes at the trade whose cumulative volume first reaches (k+1) V; its close is that
    trade's price and ts its time. The last, unfilled bucket is dropped. Output: symbol, bucket, ts,
    close, volume.
    """
    if bucket_volume <= 0:
        raise ValueError(f"bucket_volume must be positive, got {bucket_volume}")
    parts = []
    for (sym,), g in trades.sort("symbol", "ts").group_by("symbol", maintain_order=True):
        cum = np.cumsum(g["size"].to_numpy().astype(float))
        k = int(cum[-1] // bucket_volume) if len(cum) else 0
        ends = np.searchsorted(cum, bucket_volume * np.arange(1, k + 1), side="left")
        parts.append(
            pl.DataFrame(
                {
                    "symbol": [sym] * k,
                    "bucket": np.arange(k, dtype=np.int64),
                    "ts": g["ts"].gather(ends),
                    "close": g["price"].gather(ends).cast(pl.Float64),
                    "volume": np.full(k, float(bucket_volume)),
                }
            )
        )
    schema: dict[str, pl.DataType] = {
        "symbol": pl.Utf8(),
        "bucket": pl.Int64(),
        "ts": trades.schema["ts"],
        "close": pl.Float64(),
        "volume": pl.Float64(),
    }
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def bucket_vpin(trades: pl.DataFrame, *, bucket_volume: float, window: int = 50) -> pl.DataFrame:
    """Volume-bucketed VPIN per symbol: the bucket frame plus a ``vpin`` column (null until ``window`` buckets)."""
    buckets = volume_buckets(trades, bucket_volume=bucket_volume)
    parts = []
    for (_sym,), g in buckets.group_by("symbol", maintain_order=True):
        v = vpin(g["close"].to_numpy(), g["volume"].to_numpy(), window=window)
        parts.append(g.with_columns(vpin=pl.Series(v).fill_nan(None)))
    return pl.concat(parts) if parts else buckets.with_columns(vpin=pl.lit(None, pl.Float64))
