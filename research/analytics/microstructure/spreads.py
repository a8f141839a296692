"""Spreads and depth: quoted, effective and realized spreads with Lee-Ready signing; Roll and Corwin-Schultz.

Units: relative spreads are decimals of the mid-quote (x 1e4 for basis points); dollar spreads in USD;
depth in the quote-size units of the input (TAQ: round lots; LOBSTER: shares).

* Lee & Ready (1991): a trade above the prevailing mid is a buy (+1), below a sell (-1); at the mid,
  the tick test (sign of the last non-zero price change; 0 when there is none).
* effective spread = 2 d (p - m) / m; realized spread = 2 d (p - m_{t+delay}) / m (m = mid prevailing
  at the trade, m_{t+delay} the mid prevailing ``delay`` later, same day).
* Roll (1984): 2 sqrt(-cov(dp_t, dp_{t-1})) when the autocovariance is negative, else 0 (relative to price
  when computed on log prices).
* Corwin & Schultz (2012) from two consecutive bars' high/low; negative estimates set to 0.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from research.analytics.microstructure.cleaning import prevailing_quote

K_CS = 3 - 2 * math.sqrt(2)


def tick_sign(price: pl.Expr) -> pl.Expr:
    """Sign of the last non-zero price change (0 before the first change)."""
    change = price.diff().sign()
    return change.replace(0, None).forward_fill().fill_null(0)


def lee_ready(trades: pl.DataFrame, quotes: pl.DataFrame, *, lag_seconds: float = 0.0) -> pl.DataFrame:
    """Trades with bid, ofr, mid (prevailing, lagged) and ``sign`` (+1 buy, -1 sell, 0 unknown)."""
    j = prevailing_quote(trades, quotes, lag_seconds=lag_seconds)
    tick = tick_sign(pl.col("price")).over("symbol", pl.col("ts").dt.date())
    quote_rule = (pl.col("price") - pl.col("mid")).sign()
    return j.with_columns(
        sign=pl.when(pl.col("mid").is_not_null() & (quote_rule != 0)).then(quote_rule).otherwise(tick).cast(pl.Int8)
    )


def trade_spreads(
    trades: pl.DataFrame, quotes: pl.DataFrame, *, delay: dt.timedelta = dt.timedelta(minutes=5)
) -> pl.DataFrame:
    """Per trade: sign, effective and realized relative spreads (decimal)."""
    signed = lee_ready(trades, quotes)
    later = prevailing_quote(
        signed.select("symbol", "ts").with_columns(_t0=pl.col("ts"), ts=pl.col("ts") + delay), quotes
    ).select("symbol", pl.col("_t0").alias("ts"), pl.col("mid").alias("mid_later"))
    same_day = pl.col("ts").dt.date() == (pl.col("ts") + delay).dt.date()
    signed = signed.join(later.unique(["symbol", "ts"]), on=["symbol", "ts"], how="left")
    d = pl.col("sign").cast(pl.Float64)
    return signed.with_columns(
        effective=2 * d * (pl.col("price") - pl.col("mid")) / pl.col("mid"),
        realized=pl.when(same_day).then(2 * d * (pl.col("price") - pl.col("mid_later")) / pl.col("mid")),
    )


def quote_stats(quotes: pl.DataFrame) -> pl.DataFrame:
    """Per quote: spread (USD), rel_spread (decimal) and depth ((bidsiz + ofrsiz) / 2) with the quote's duration (s)."""
    q = quotes.sort("symbol", "ts").with_columns(date=pl.col("ts").dt.date())
    dur = (pl.col("ts").shift(-1) - pl.col("ts")).over("symbol", "date").dt.total_microseconds() / 1e6
    return q.with_columns(
        spread=pl.col("ofr") - pl.col("bid"),
        rel_spread=(pl.col("ofr") - pl.col("bid")) / ((pl.col("ofr") + pl.col("bid")) / 2),
        depth=(pl.col("bidsiz") + pl.col("ofrsiz")) / 2,
        duration=dur.fill_null(0.0),
    )


def daily_spread_stats(trades: pl.DataFrame, quotes: pl.DataFrame) -> pl.DataFrame:
    """Per symbol-day: time-weighted quoted spread and depth, size-weighted effective and realized spreads."""
    qs = quote_stats(quotes)
    w = pl.col("duration")
    quoted = qs.group_by("symbol", "date").agg(
        quoted_spread=(pl.col("rel_spread") * w).sum() / w.sum(),
        quoted_spread_usd=(pl.col("spread") * w).sum() / w.sum(),
        depth=(pl.col("depth") * w).sum() / w.sum(),
        n_quotes=pl.len(),
    )
    ts = trade_spreads(trades, quotes).with_columns(date=pl.col("ts").dt.date())
    size = pl.col("size").cast(pl.Float64)
    eff = (
        ts.drop_nulls("effective")
        .group_by("symbol", "date")
        .agg(
            effective_spread=(pl.col("effective") * size).sum() / size.sum(),
            buy_fraction=(pl.col("sign") == 1).mean(),
        )
    )
    real = (
        ts.drop_nulls("realized")
        .group_by("symbol", "date")
        .agg(realized_spread=(pl.col("realized") * size).sum() / size.sum())
    )
    return quoted.join(eff, on=["symbol", "date"], how="left").join(real, on=["symbol", "date"], how="left")


def roll_spread(close: np.ndarray) -> float:
    """Roll's estimator from a price series (same units as the input; use log prices for a relative spread)."""
    dp = np.diff(np.asarray(close, dtype=float))
    if len(dp) < 3:
        return float("nan")
    cov = float(np.cov(dp[1:], dp[:-1], ddof=1)[0, 1])
    return 2 * math.sqrt(-cov) if cov < 0 else 0.0


def corwin_schultz(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Corwin-Schultz relative spread for each pair of consecutive bars (length n-1, negatives set to 0)."""
    h, lo = np.asarray(high, dtype=float), np.asarray(low, dtype=float)
    hl = np.log(h / lo) ** 2
    beta = hl[1:] + hl[:-1]
    gamma = np.log(np.maximum(h[1:], h[:-1]) / np.minimum(lo[1:], lo[:-1])) ** 2
    alpha = (np.sqrt(2 * beta) - np.sqrt(beta)) / K_CS - np.sqrt(gamma / K_CS)
    s = 2 * (np.exp(alpha) - 1) / (1 + np.exp(alpha))
    return np.maximum(s, 0.0)


def bar_spreads(bars: pl.DataFrame) -> pl.DataFrame:
    """Per symbol-day from 1-minute bars: Roll (on log closes) and mean Corwin-Schultz relative spreads (decimal)."""
    rows = []
    for (sym, day), g in bars.sort("ts").group_by("symbol", pl.col("ts").dt.date().alias("date"), maintain_order=True):
        cs = corwin_schultz(g["high"].to_numpy(), g["low"].to_numpy())
        rows.append(
            {
                "symbol": sym,
                "date": day,
                "roll_spread": roll_spread(np.log(g["close"].to_numpy())),
                "cs_spread": float(cs.mean()) if len(cs) else float("nan"),
            }
        )
    schema = {"symbol": pl.Utf8, "date": pl.Date, "roll_spread": pl.Float64, "cs_spread": pl.Float64}
    return pl.DataFrame(rows, schema=schema).sort("symbol", "date")


def lobster_book(messages: pl.DataFrame, book: pl.DataFrame, *, day: dt.date, symbol: str) -> pl.DataFrame:
    """LOBSTER level-1 files to quotes: ts, symbol, bid, ofr (USD = raw / 10 000), bidsiz, ofrsiz (shares)."""
    if messages.height != book.height:
        raise ValueError(f"LOBSTER message and book files differ in length ({messages.height} vs {book.height})")
    start = pl.lit(dt.datetime.combine(day, dt.time())).cast(pl.Datetime("us"))
    micros = (pl.col("Time") * 1e6).round().cast(pl.Int64)
    return messages.select(ts=start + pl.duration(microseconds=micros)).with_columns(
        symbol=pl.lit(symbol),
        bid=book["BestBid"] / 10_000,
        ofr=book["BestAsk"] / 10_000,
        bidsiz=book["BestBidVolume"].cast(pl.Float64),
        ofrsiz=book["BestAskVolume"].cast(pl.Float64),
    )
