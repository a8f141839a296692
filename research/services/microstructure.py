"""File inputs for the microstructure commands: TAQ trade/quote CSVs, daily RV files, bar files.

Readers validate and raise :class:`research.io.InputError` with a one-line message naming the file.
TAQ CSVs may be in R highfrequency's layout (DT_NewYork or DT, EX, SYMBOL, COND, CORR, SIZE, PRICE /
BID, BIDSIZ, OFR, OFRSIZ) or WRDS's (date, time_m, ex, sym_root, tr_corr, tr_scond, size, price).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from research.analytics.microstructure import cleaning, spreads
from research.io import InputError

TRADE_NAMES = {
    "ex": "ex",
    "symbol": "symbol",
    "sym_root": "symbol",
    "cond": "cond",
    "tr_scond": "cond",
    "corr": "corr",
    "tr_corr": "corr",
    "size": "size",
    "price": "price",
}
QUOTE_NAMES = {
    "ex": "ex",
    "symbol": "symbol",
    "sym_root": "symbol",
    "bid": "bid",
    "bidsiz": "bidsiz",
    "ofr": "ofr",
    "ask": "ofr",
    "ofrsiz": "ofrsiz",
    "asksiz": "ofrsiz",
}


def _read_csv(path: Path | str) -> pl.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: file not found")
    try:
        frame = pl.read_csv(p, infer_schema_length=10_000, schema_overrides={"COND": pl.Utf8, "tr_scond": pl.Utf8})
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{p}: cannot be read as CSV ({exc})") from exc
    return frame.rename({c: c.lower() for c in frame.columns})


def _timestamps(frame: pl.DataFrame, path: Path | str) -> pl.Expr:
    if "dt_newyork" in frame.columns:
        return pl.col("dt_newyork").str.to_datetime(time_unit="us", strict=False)
    if {"date", "time_m"} <= set(frame.columns):
        text = pl.col("date").cast(pl.Utf8) + " " + pl.col("time_m").cast(pl.Utf8)
        return pl.coalesce(
            text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False),
            text.str.to_datetime("%Y%m%d %H:%M:%S%.f", time_unit="us", strict=False),
        )
    if "dt" in frame.columns:
        return pl.col("dt").str.to_datetime(time_unit="us", strict=False)
    raise InputError(f"{path}: needs DT_NewYork, DT or date + time_m columns (New York time)")


def _taq(path: Path | str, names: dict[str, str], required: set[str]) -> pl.DataFrame:
    raw = _read_csv(path)
    ts = _timestamps(raw, path)
    keep = {c: names[c] for c in raw.columns if c in names}
    frame = raw.select(ts.alias("ts"), *[pl.col(c).alias(n) for c, n in keep.items()])
    missing = required - set(frame.columns)
    if missing:
        raise InputError(f"{path}: missing columns {sorted(missing)}")
    if frame["ts"].null_count():
        raise InputError(f"{path}: {frame['ts'].null_count()} timestamps could not be parsed")
    if "symbol" not in frame.columns:
        frame = frame.with_columns(symbol=pl.lit(Path(path).stem))
    return frame


def read_taq_trades(path: Path | str) -> pl.DataFrame:
    return _taq(path, TRADE_NAMES, {"ts", "price", "size"})


def read_taq_quotes(path: Path | str) -> pl.DataFrame:
    return _taq(path, QUOTE_NAMES, {"ts", "bid", "ofr", "bidsiz", "ofrsiz"})


def clean_files(
    *,
    trades: Path | str | None,
    quotes: Path | str | None,
    exchanges: list[str] | None,
    match_quotes: bool = False,
    lag_seconds: float = 0.0,
) -> dict[str, tuple[pl.DataFrame, cleaning.CleanReport]]:
    """Run the cleaning rules on raw TAQ files; returns (cleaned frame, report) per kind.

    ``match_quotes`` (needs both files) then drops trades outside the prevailing spread as
    ``trades_vs_quotes``, reported separately under ``trades_vs_quotes``.
    """
    out: dict[str, tuple[pl.DataFrame, cleaning.CleanReport]] = {}
    if trades is not None:
        out["trades"] = cleaning.trades_clean(read_taq_trades(trades), exchanges=exchanges)
    if quotes is not None:
        out["quotes"] = cleaning.quotes_clean(read_taq_quotes(quotes), exchanges=exchanges)
    if match_quotes:
        if "trades" not in out or "quotes" not in out:
            raise InputError("matching trades against quotes needs both a trades and a quotes file")
        out["trades_vs_quotes"] = cleaning.trades_vs_quotes(out["trades"][0], out["quotes"][0], lag_seconds=lag_seconds)
    return out


def lobster_stats(message: Path | str, book: Path | str, *, day: dt.date, symbol: str) -> dict[str, float | int]:
    """Time-weighted quoted spread (USD, bps) and top-of-book depth (shares) of a LOBSTER level-1 pair."""
    try:
        msg, ob = pl.read_csv(message), pl.read_csv(book)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"LOBSTER files cannot be read ({exc})") from exc
    missing = {"Time"} - set(msg.columns) | {"BestAsk", "BestAskVolume", "BestBid", "BestBidVolume"} - set(ob.columns)
    if missing:
        raise InputError(f"LOBSTER files lack columns {sorted(missing)} (the header row is needed)")
    q = spreads.quote_stats(spreads.lobster_book(msg, ob, day=day, symbol=symbol))
    w = q["duration"]
    return {
        "events": q.height,
        "spread_usd": float((q["spread"] * w).sum() / w.sum()),
        "spread_bps": float(1e4 * (q["rel_spread"] * w).sum() / w.sum()),
        "depth_shares": float((q["depth"] * w).sum() / w.sum()),
    }


def read_series(path: Path | str, column: str) -> np.ndarray:
    """A daily series (``date`` and ``column``) sorted by date, as floats; no gaps in values allowed."""
    raw = _read_csv(path)
    col = column.lower()
    if "date" not in raw.columns:
        if "dt" in raw.columns:
            raw = raw.rename({"dt": "date"})
        else:
            raise InputError(f"{path}: needs a 'date' column")
    if col not in raw.columns:
        raise InputError(f"{path}: no column {column!r} (have {', '.join(raw.columns)})")
    frame = raw.select(pl.col("date").cast(pl.Utf8), pl.col(col).cast(pl.Float64, strict=False)).sort("date")
    if frame["date"].is_duplicated().any():
        raise InputError(f"{path}: duplicate dates")
    if frame[col].null_count():
        raise InputError(f"{path}: column {column!r} has {frame[col].null_count()} missing or non-numeric values")
    return frame[col].to_numpy()


def read_bars(path: Path | str) -> pl.DataFrame:
    """A bar file with ``date_time, close, volume`` in file order."""
    raw = _read_csv(path)
    missing = {"date_time", "close", "volume"} - set(raw.columns)
    if missing:
        raise InputError(f"{path}: missing columns {sorted(missing)} (need date_time, close, volume)")
    frame = raw.select(
        "date_time", pl.col("close").cast(pl.Float64, strict=False), pl.col("volume").cast(pl.Float64, strict=False)
    )
    if frame["close"].null_count() or frame["volume"].null_count():
        raise InputError(f"{path}: close and volume must be numbers")
    return frame
