"""Query-size estimates for TAQ requests from Tier 1 counts: symbols x sessions x expected rows per day."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

BYTES_PER_TRADE = 60  # a ctm row as fetched (date, time_m, ex, sym_root, sym_suffix, tr_corr, tr_scond, size, price)
BYTES_PER_QUOTE = 70  # a cqm / complete_nbbo row


@dataclass(frozen=True)
class QueryEstimate:
    symbols: int
    sessions: int
    trades: int
    quotes: int
    megabytes: float
    unknown_symbols: tuple[str, ...]  # no Tier 1 history: estimated at the median symbol's rate

    def as_dict(self) -> dict[str, object]:
        return {
            "symbols": self.symbols,
            "sessions": self.sessions,
            "trades": self.trades,
            "quotes": self.quotes,
            "megabytes": round(self.megabytes, 1),
            "unknown_symbols": list(self.unknown_symbols),
        }


def estimate_query(daily_counts: pl.DataFrame, *, symbols: list[str], sessions: int) -> QueryEstimate:
    """``daily_counts``: symbol, trades, n_quotes per symbol-day (Tier 1 ``taq_daily``). Rates are the
    mean rows per day of each symbol; a symbol without history gets the median symbol's rate (or 0 if
    there is no history at all)."""
    if sessions < 0:
        raise ValueError(f"sessions must be >= 0, got {sessions}")
    rates = daily_counts.group_by("symbol").agg(pl.col("trades").mean(), pl.col("n_quotes").mean())
    known = {r["symbol"]: (r["trades"] or 0.0, r["n_quotes"] or 0.0) for r in rates.iter_rows(named=True)}
    med_t, med_q = rates.select(pl.col("trades").median(), pl.col("n_quotes").median()).row(0)
    fallback = (float(med_t or 0.0), float(med_q or 0.0)) if known else (0.0, 0.0)
    trades = quotes = 0.0
    for sym in symbols:
        t, q = known.get(sym, fallback)
        trades += t * sessions
        quotes += q * sessions
    mb = (trades * BYTES_PER_TRADE + quotes * BYTES_PER_QUOTE) / 1e6
    unknown = tuple(s for s in symbols if s not in known)
    return QueryEstimate(len(symbols), sessions, round(trades), round(quotes), mb, unknown)
