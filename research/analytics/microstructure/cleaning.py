"""TAQ cleaning rules after Barndorff-Nielsen, Hansen, Lunde and Shephard (2009), as R highfrequency applies them.

Trades (``trades_clean``), in this order: zero prices, outside exchange hours (inclusive of both
ends), exchange selection, correction code != 0, sale condition not in :data:`VALID_CONDS` (spaces
removed, null read as ""), then trades with the same timestamp merged (median price, summed size).

Quotes (``quotes_clean``): zero bid or offer, outside exchange hours, exchange selection, spread
<= 0, spread >= ``max_spread_multiple`` x the day's median spread, quotes with the same timestamp
merged (median bid/offer, summed sizes), then mid-quotes further than ``outlier_mads`` x the
day's MAD (scaled by 1.4826, as R's ``mad``) from the median of the ``outlier_window``
neighbouring mid-quotes (half before, half after, the quote itself excluded; fewer at the ends).

Trades against quotes (``trades_vs_quotes``): a trade more than one prevailing spread outside the
prevailing quote (quotes lagged by ``lag_seconds``) is dropped.

Each function returns the cleaned frame and a :class:`CleanReport` (rows kept and dropped per rule).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

VALID_CONDS: tuple[str, ...] = ("", "@", "E", "@E", "F", "FI", "@F", "@FI", "I", "@I")
MARKET_OPEN = dt.time(9, 30)
MARKET_CLOSE = dt.time(16, 0)
MAD_SCALE = 1.4826


@dataclass(frozen=True)
class RuleCount:
    rule: str
    kept: int
    dropped: int


@dataclass(frozen=True)
class CleanReport:
    """Rows in, then kept/dropped per rule in the order applied."""

    initial: int
    rules: tuple[RuleCount, ...]

    @property
    def final(self) -> int:
        return self.rules[-1].kept if self.rules else self.initial

    def as_dict(self) -> dict[str, object]:
        return {
            "initial": self.initial,
            "final": self.final,
            "rules": [{"rule": r.rule, "kept": r.kept, "dropped": r.dropped} for r in self.rules],
        }


class _Steps:
    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.initial = frame.height
        self.rules: list[RuleCount] = []

    def apply(self, rule: str, frame: pl.DataFrame) -> None:
        self.rules.append(RuleCount(rule, frame.height, self.frame.height - frame.height))
        self.frame = frame

    def report(self) -> CleanReport:
        return CleanReport(self.initial, tuple(self.rules))


def _hours(open_: dt.time, close: dt.time) -> pl.Expr:
    t = pl.col("ts").dt.time()
    return (t >= open_) & (t <= close)


def sorted_by_symbol_ts(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` sorted by symbol then ts (stable), without a sort when it already is (an O(n) check)."""
    sym, ts = pl.col("symbol"), pl.col("ts")
    ok = (sym > sym.shift(1)) | ((sym == sym.shift(1)) & (ts >= ts.shift(1)))
    if frame.height < 2 or bool(frame.select(ok.fill_null(True).all()).item()):
        return frame
    return frame.sort("symbol", "ts", maintain_order=True)


def _merge_same_timestamp(frame: pl.DataFrame) -> pl.DataFrame:
    """Median price and summed size per (symbol, ts) of a frame sorted by symbol, ts.

    Only the rows that share a stamp are grouped; their results are scattered into the first row of
    each run, so there is no join and no second sort."""
    f = frame.select("symbol", "ts", "price", "size")
    same = (pl.col("ts") == pl.col("ts").shift(1)) & (pl.col("symbol") == pl.col("symbol").shift(1))
    flags = f.select(prev=same.fill_null(False), next=same.shift(-1).fill_null(False))
    dup = flags["prev"] | flags["next"]
    if not dup.any():
        return f
    merged = (
        f.filter(dup).group_by("symbol", "ts", maintain_order=True).agg(pl.col("price").median(), pl.col("size").sum())
    )
    first = f.filter(~flags["prev"])
    idx = flags["next"].filter(~flags["prev"]).arg_true()
    return first.with_columns(
        first["price"].clone().scatter(idx, merged["price"].cast(f.schema["price"])),
        first["size"].clone().scatter(idx, merged["size"].cast(f.schema["size"])),
    )


def trades_clean(
    trades: pl.DataFrame,
    *,
    exchanges: Sequence[str] | None = ("N",),
    valid_conds: Sequence[str] = VALID_CONDS,
    market_open: dt.time = MARKET_OPEN,
    market_close: dt.time = MARKET_CLOSE,
) -> tuple[pl.DataFrame, CleanReport]:
    """Clean raw trades; ``exchanges=None`` keeps all exchanges. Output: ts, symbol, price, size.

    The row rules are evaluated as masks on the input and applied in one filter (the per-rule
    counts are those of applying them in order); the sale-condition rule is decided once per
    distinct condition code."""
    frame = sorted_by_symbol_ts(trades)
    rules: list[tuple[str, pl.Expr]] = [
        ("zero_price", pl.col("price") != 0),
        ("exchange_hours", _hours(market_open, market_close)),
    ]
    if exchanges is not None and "ex" in frame.columns:
        rules.append(("exchange", pl.col("ex").is_in(list(exchanges))))
    if "corr" in frame.columns:
        rules.append(("correction", pl.col("corr").fill_null(0) == 0))
    if "cond" in frame.columns:
        codes = frame.select(pl.col("cond").cast(pl.Utf8).unique()).to_series().to_list()
        ok = [c for c in codes if re.sub(r"\s", "", c or "") in set(valid_conds)]
        rule = pl.col("cond").cast(pl.Utf8).is_in([c for c in ok if c is not None])
        rules.append(("sale_condition", rule | pl.col("cond").is_null() if None in ok else rule))
    masks = frame.select([expr.fill_null(False).alias(name) for name, expr in rules])
    keep = pl.Series(np.ones(frame.height, dtype=bool))
    counts: list[RuleCount] = []
    before = frame.height
    for name, _ in rules:
        keep = keep & masks[name]
        kept = int(keep.sum())
        counts.append(RuleCount(name, kept, before - kept))
        before = kept
    kept_rows = frame.filter(keep)
    merged = _merge_same_timestamp(kept_rows)
    counts.append(RuleCount("merge_same_timestamp", merged.height, kept_rows.height - merged.height))
    return merged, CleanReport(trades.height, tuple(counts))


def _neighbour_median(x: np.ndarray, window: int) -> np.ndarray:
    """Median of the ``window`` neighbours of each point (half each side, the point excluded)."""
    n, h = len(x), window // 2
    out = np.empty(n)
    if n > 2 * h:
        view = np.lib.stride_tricks.sliding_window_view(x, 2 * h + 1)
        for start in range(0, len(view), 100_000):
            block = np.delete(view[start : start + 100_000], h, axis=1)
            out[h + start : h + start + len(block)] = np.median(block, axis=1)
    for i in list(range(min(h, n))) + list(range(max(n - h, h), n)):
        out[i] = np.median(np.concatenate([x[max(0, i - h) : i], x[i + 1 : i + 1 + h]])) if n > 1 else x[i]
    return out


def _outlier_mask(mid: np.ndarray, window: int, mads: float) -> np.ndarray:
    if len(mid) < 2:
        return np.ones(len(mid), dtype=bool)
    mad = MAD_SCALE * np.median(np.abs(mid - np.median(mid)))
    return np.abs(mid - _neighbour_median(mid, window)) < mads * mad


def quotes_clean(
    quotes: pl.DataFrame,
    *,
    exchanges: Sequence[str] | None = ("N",),
    max_spread_multiple: float = 50.0,
    outlier_window: int = 50,
    outlier_mads: float = 10.0,
    market_open: dt.time = MARKET_OPEN,
    market_close: dt.time = MARKET_CLOSE,
) -> tuple[pl.DataFrame, CleanReport]:
    """Clean raw quotes. Output: ts, symbol, bid, ofr, bidsiz, ofrsiz, mid."""
    if outlier_window % 2:
        raise ValueError(f"outlier_window must be even, got {outlier_window}")
    s = _Steps(sorted_by_symbol_ts(quotes))
    s.apply("zero_quote", s.frame.filter((pl.col("bid") != 0) & (pl.col("ofr") != 0)))
    s.apply("exchange_hours", s.frame.filter(_hours(market_open, market_close)))
    if exchanges is not None and "ex" in s.frame.columns:
        s.apply("exchange", s.frame.filter(pl.col("ex").is_in(list(exchanges))))
    s.apply("negative_spread", s.frame.filter(pl.col("ofr") > pl.col("bid")))
    spread = pl.col("ofr") - pl.col("bid")
    day = [pl.col("symbol"), pl.col("ts").dt.date()]
    s.apply("large_spread", s.frame.filter(spread < max_spread_multiple * spread.median().over(day)))
    merged = (
        s.frame.group_by("symbol", "ts", maintain_order=True)
        .agg(pl.col("bid").median(), pl.col("ofr").median(), pl.col("bidsiz").sum(), pl.col("ofrsiz").sum())
        .sort("symbol", "ts")
        .with_columns(mid=(pl.col("bid") + pl.col("ofr")) / 2)
    )
    s.apply("merge_same_timestamp", merged)
    keep = np.ones(merged.height, dtype=bool)
    idx = merged.with_row_index("_i").group_by(day[0], day[1].alias("_d"), maintain_order=True).agg("_i", "mid")
    for rows, mid in zip(idx["_i"].to_list(), idx["mid"].to_list(), strict=True):
        keep[np.asarray(rows)] = _outlier_mask(np.asarray(mid, dtype=float), outlier_window, outlier_mads)
    s.apply("mid_outlier", merged.filter(pl.Series(keep)))
    return s.frame, s.report()


def prevailing_quote(trades: pl.DataFrame, quotes: pl.DataFrame, *, lag_seconds: float = 0.0) -> pl.DataFrame:
    """Each trade with the last quote at or before ``ts - lag_seconds``: adds bid, ofr, mid (null if none)."""
    q = quotes.select(
        (pl.col("ts") + pl.duration(microseconds=int(round(lag_seconds * 1e6)))).alias("ts"),
        "symbol",
        "bid",
        "ofr",
        ((pl.col("bid") + pl.col("ofr")) / 2).alias("mid"),
    ).sort("symbol", "ts")
    return trades.sort("symbol", "ts").join_asof(q, on="ts", by="symbol", strategy="backward", check_sortedness=False)


def trades_vs_quotes(
    trades: pl.DataFrame, quotes: pl.DataFrame, *, lag_seconds: float = 0.0
) -> tuple[pl.DataFrame, CleanReport]:
    """Drop trades priced more than one prevailing spread above the offer or below the bid."""
    s = _Steps(trades)
    joined = prevailing_quote(trades, quotes, lag_seconds=lag_seconds)
    spread = pl.col("ofr") - pl.col("bid")
    inside = (pl.col("price") <= pl.col("ofr") + spread) & (pl.col("price") >= pl.col("bid") - spread)
    s.apply("outside_spread", joined.filter(inside).select(trades.columns))
    return s.frame, s.report()
