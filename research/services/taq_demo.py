"""A demo intraday generator: TAQ-like trades and quotes with U-shaped volume and spreads, and jumps.

Per symbol-day: trade arrivals per minute follow 1 + 2 u² (u in [-1, 1] across the session), so
the open and the close carry about three times the midday intensity; the efficient log price is a
random walk with U-shaped volatility (daily vol ``daily_vol``); on a fraction ``jump_prob`` of days
one jump of +-``jump_size`` (log) hits at a random minute. Quotes bracket the efficient price with
a half-spread of ``half_spread_bps`` x (1 + 1.5 u²) basis points, rounded to cents; trades hit the
bid or the offer with equal probability. Seeded: the same arguments give the same rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from quant import calendars

MINUTES = 390


def _u_shape(scale: float) -> np.ndarray:
    u = np.linspace(-1, 1, MINUTES)
    return 1 + scale * u**2


def _stamps(open_: dt.datetime, micros: np.ndarray) -> pl.Series:
    base = pl.lit(open_).cast(pl.Datetime("us"))
    return pl.DataFrame({"o": micros.astype(np.int64)}).select(base + pl.duration(microseconds=pl.col("o"))).to_series()


def demo_intraday(
    *,
    symbols: tuple[str, ...] = ("DEMOA", "DEMOB", "DEMOC"),
    end: dt.date = dt.date(2024, 6, 28),
    days: int = 60,
    trades_per_day: int = 1000,
    quotes_per_trade: int = 2,
    daily_vol: float = 0.015,
    jump_prob: float = 0.2,
    jump_size: float = 0.012,
    half_spread_bps: float = 2.0,
    seed: int = 7,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(trades, quotes) in the column conventions of :mod:`research.analytics.microstructure`."""
    sessions = calendars.sessions(end - dt.timedelta(days=days * 2 + 10), end)[-days:]
    rng = np.random.default_rng(seed)
    intensity = _u_shape(2.0) / _u_shape(2.0).sum()
    vol_shape = np.sqrt(_u_shape(1.0) / _u_shape(1.0).sum())
    trades, quotes = [], []
    for k, sym in enumerate(symbols):
        price = 50.0 * (1 + k)
        for day in sessions:
            open_ = dt.datetime.combine(day, dt.time(9, 30))
            steps = rng.normal(0, daily_vol, MINUTES) * vol_shape
            if rng.random() < jump_prob:
                steps[rng.integers(30, MINUTES - 30)] += rng.choice([-1, 1]) * jump_size
            logp = np.log(price) + np.cumsum(steps)
            counts = rng.poisson(trades_per_day * intensity)
            minute = np.repeat(np.arange(MINUTES), counts)
            offs = np.sort(rng.random(len(minute)) * 60e6 + minute * 60e6).astype(np.int64)
            eff = np.exp(logp[minute])
            half = np.maximum(eff * half_spread_bps * 1e-4 * _u_shape(1.5)[minute], 0.005)
            bid, ofr = np.round(eff - half, 2), np.round(eff + half, 2)
            ofr = np.where(ofr <= bid, bid + 0.01, ofr)
            buy = rng.random(len(minute)) < 0.5
            ts = _stamps(open_, offs)
            size = np.round(np.exp(rng.normal(4.6, 0.8, len(minute))))
            trades.append(pl.DataFrame({"ts": ts, "symbol": sym, "price": np.where(buy, ofr, bid), "size": size}))
            qidx = np.repeat(np.arange(len(minute)), quotes_per_trade)
            back = rng.random(len(qidx)) * 5e5 + 1
            qts = _stamps(open_, np.maximum(offs[qidx] - back.astype(np.int64), 0))
            quotes.append(
                pl.DataFrame(
                    {
                        "ts": qts,
                        "symbol": sym,
                        "bid": bid[qidx],
                        "ofr": ofr[qidx],
                        "bidsiz": rng.integers(1, 20, len(qidx)).astype(float),
                        "ofrsiz": rng.integers(1, 20, len(qidx)).astype(float),
                    }
                )
            )
            price = float(np.exp(logp[-1]))
    t = pl.concat(trades).with_columns(pl.col("ts").cast(pl.Datetime("us"))).sort("symbol", "ts")
    q = pl.concat(quotes).with_columns(pl.col("ts").cast(pl.Datetime("us"))).sort("symbol", "ts")
    return t, q
