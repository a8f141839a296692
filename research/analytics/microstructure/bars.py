"""Time bars from cleaned trades: OHLCV, VWAP and trade count per symbol and bar (bar start label)."""

from __future__ import annotations

import polars as pl


def time_bars(trades: pl.DataFrame, *, every: str = "1m") -> pl.DataFrame:
    """Bars of ``every`` (a polars duration such as "1m", "5m", "30m"): ts, symbol, open, high, low, close,
    volume (shares), vwap (USD), count (trades). Bars without trades are absent."""
    size = pl.col("size").cast(pl.Float64)
    return (
        trades.with_columns(ts=pl.col("ts").dt.truncate(every))
        .group_by("symbol", "ts")
        .agg(
            open=pl.col("price").first(),
            high=pl.col("price").max(),
            low=pl.col("price").min(),
            close=pl.col("price").last(),
            volume=size.sum(),
            vwap=(pl.col("price") * size).sum() / size.sum(),
            count=pl.len().cast(pl.Int64),
        )
        .sort("symbol", "ts")
    )
