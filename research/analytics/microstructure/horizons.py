"""Bars at several horizons from the 1-minute bars: 5-minute, 30-minute and daily (for exports).

Intraday bars are labelled by their start (``ts``), in exchange local time; a bucket is
``ts.dt.truncate(every)`` of the 1-minute bars it holds (09:30, 09:35, ... for 5 minutes; the
session open is on both grids). OHLC are the first open, max high, min low and last close; volume
and trade count are sums; VWAP is the volume-weighted mean of the 1-minute VWAPs (null when the
bucket traded no volume). Daily bars add the day's realized measures and spreads from ``taq_daily``.
No price adjustment: TAQ prices are as traded.
"""

from __future__ import annotations

import polars as pl

BAR_COLUMNS = ("symbol", "date", "ts", "open", "high", "low", "close", "volume", "vwap", "count")
DAILY_MEASURES = ("rv", "bpv", "medrv", "rk", "jump_var", "quoted_spread", "effective_spread", "depth")


def _aggregate(grouped: pl.dataframe.group_by.GroupBy) -> pl.DataFrame:
    v = pl.col("volume")
    return grouped.agg(
        open=pl.col("open").first(),
        high=pl.col("high").max(),
        low=pl.col("low").min(),
        close=pl.col("close").last(),
        volume=v.sum(),
        vwap=pl.when(v.sum() > 0).then((pl.col("vwap") * v).sum() / v.sum()),
        count=pl.col("count").sum(),
    )


def resample_bars(bars_1m: pl.DataFrame, every: str) -> pl.DataFrame:
    """Intraday bars of length ``every`` (a polars duration, e.g. ``"5m"``, ``"30m"``) per symbol-day."""
    b = bars_1m.sort("symbol", "ts").with_columns(ts=pl.col("ts").dt.truncate(every))
    out = _aggregate(b.group_by("symbol", "date", "ts", maintain_order=True))
    return out.select(BAR_COLUMNS).sort("symbol", "ts")


def daily_bars(bars_1m: pl.DataFrame, daily: pl.DataFrame) -> pl.DataFrame:
    """One row per symbol-day: OHLCV, VWAP, count from the 1-minute bars, plus DAILY_MEASURES."""
    b = bars_1m.sort("symbol", "ts")
    out = _aggregate(b.group_by("symbol", "date", maintain_order=True))
    measures = daily.select("symbol", "date", *DAILY_MEASURES)
    return out.join(measures, on=["symbol", "date"], how="left").sort("symbol", "date")
