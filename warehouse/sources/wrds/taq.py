"""TAQ Tier 2: millisecond TAQ from WRDS, one symbol list and one day per query.

Tables (WRDS.md): ``taqm_YYYY.ctm_YYYYMMDD`` (trades), ``cqm_YYYYMMDD`` (quotes) and
``complete_nbbo_YYYYMMDD`` (NBBO). Rows come back in the column conventions of
``research.analytics.microstructure``: ts (New York time), symbol (sym_root, ``_suffix`` when
present), ex, cond, corr, price, size / bid, ofr, bidsiz, ofrsiz. A day whose table does not exist
(holiday, not yet loaded) is returned empty. Limits: at most ``MAX_SYMBOLS`` symbols per query.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd
import polars as pl

from warehouse.sources.wrds.client import WrdsClient

Kind = Literal["trades", "quotes", "nbbo"]
MAX_SYMBOLS = 500
_PREFIX = {"trades": "ctm", "quotes": "cqm", "nbbo": "complete_nbbo"}
_COLUMNS = {
    "trades": "date, time_m, ex, sym_root, sym_suffix, tr_corr, tr_scond, size, price",
    "quotes": "date, time_m, ex, sym_root, sym_suffix, bid, bidsiz, ask, asksiz",
    "nbbo": "date, time_m, sym_root, sym_suffix, best_bid, best_bidsiz, best_ask, best_asksiz",
}


class TaqLimitExceeded(ValueError):
    """A TAQ request over the hard limits."""


def taq_table(kind: Kind, day: dt.date) -> str:
    return f"taqm_{day.year}.{_PREFIX[kind]}_{day:%Y%m%d}"


def taq_sql(kind: Kind, day: dt.date) -> str:
    return f"select {_COLUMNS[kind]} from {taq_table(kind, day)} where sym_root in %(symbols)s order by time_m"


def _table_exists(client: WrdsClient, kind: Kind, day: dt.date) -> bool:
    found = client.raw_sql(
        "select 1 as one from information_schema.tables where table_schema = %(s)s and table_name = %(t)s",
        params={"s": f"taqm_{day.year}", "t": f"{_PREFIX[kind]}_{day:%Y%m%d}"},
    )
    return len(found) > 0


def _convert(kind: Kind, raw: pd.DataFrame, day: dt.date) -> pl.DataFrame:
    frame = pl.from_pandas(raw.astype({c: "object" for c in raw.columns if str(raw[c].dtype) == "string"}))
    suffix = pl.col("sym_suffix").cast(pl.Utf8).fill_null("")
    symbol = pl.when(suffix == "").then(pl.col("sym_root")).otherwise(pl.col("sym_root") + "_" + suffix)
    clock = pl.col("time_m").cast(pl.Utf8)
    ts = (pl.lit(day.isoformat()) + " " + clock).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False)
    base = [ts.alias("ts"), symbol.cast(pl.Utf8).alias("symbol")]
    if kind == "trades":
        cols = [pl.col("ex").cast(pl.Utf8), pl.col("tr_scond").cast(pl.Utf8).alias("cond"),
                pl.col("tr_corr").cast(pl.Int64).alias("corr"), pl.col("price").cast(pl.Float64),
                pl.col("size").cast(pl.Float64)]  # fmt: skip
    elif kind == "quotes":
        cols = [pl.col("ex").cast(pl.Utf8), pl.col("bid").cast(pl.Float64), pl.col("ask").cast(pl.Float64).alias("ofr"),
                pl.col("bidsiz").cast(pl.Float64), pl.col("asksiz").cast(pl.Float64).alias("ofrsiz")]  # fmt: skip
    else:
        cols = [pl.col("best_bid").cast(pl.Float64).alias("bid"), pl.col("best_ask").cast(pl.Float64).alias("ofr"),
                pl.col("best_bidsiz").cast(pl.Float64).alias("bidsiz"),
                pl.col("best_asksiz").cast(pl.Float64).alias("ofrsiz")]  # fmt: skip
    return frame.select(*base, *cols)


def taq_fetch(client: WrdsClient, kind: Kind, *, symbols: list[str], day: dt.date) -> pl.DataFrame:
    """One day of ``kind`` rows for ``symbols`` (empty frame when the day's table is absent)."""
    if not symbols:
        raise TaqLimitExceeded("no symbols given")
    if len(symbols) > MAX_SYMBOLS:
        raise TaqLimitExceeded(f"{len(symbols)} symbols in one query; the limit is {MAX_SYMBOLS}")
    if not _table_exists(client, kind, day):
        return pl.DataFrame()
    raw = client.raw_sql(taq_sql(kind, day), params={"symbols": tuple(symbols)})
    return _convert(kind, raw, day)
