"""Reads for the trade journal: fills, FIFO round trips with their tags and notes, filters, exports.

The round trips are computed on each request from the strategies' fills (one query) by
``backtests.analytics.journal.round_trips``; the notes (one query) are joined on the pair of fills.
Exports neutralise spreadsheet formulas: a text cell that begins with ``= + - @`` (or a tab or
carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import FloatField
from django.db.models.functions import Cast

from backtests.analytics.journal import TRIP_SCHEMA, TradeStats, round_trips, trade_stats
from backtests.models import TradeNote
from quant.models import Fill

SIDES = ("long", "short")
OUTCOMES = ("winners", "losers")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = ("strategy", "symbol", "direction", "entry_date", "exit_date", "holding_days", "quantity",
                  "entry_price", "exit_price", "fees", "pnl", "return", "tags", "note")  # fmt: skip


def normalise_tags(text: str) -> str:
    """``" Earnings, gap ,earnings"`` -> ``"earnings,gap"`` (lower case, unique, sorted)."""
    tags = {t.strip().lower() for t in text.replace(";", ",").split(",")}
    return ",".join(sorted(t for t in tags if t))


def fills_frame(strategy_ids: Iterable[int]) -> pl.DataFrame:
    """All fills of the strategies (one query), quantities and money as float."""
    rows = Fill.objects.filter(strategy_id__in=list(strategy_ids)).values_list(
        "id", "strategy_id", "symbol", "side", Cast("quantity", FloatField()), Cast("price", FloatField()),
        Cast("fees", FloatField()), "trade_date", "filled_at",
    )  # fmt: skip
    schema = {"fill_id": pl.Int64, "strategy_id": pl.Int64, "symbol": pl.Utf8, "side": pl.Utf8,
              "quantity": pl.Float64, "price": pl.Float64, "fees": pl.Float64, "trade_date": pl.Date,
              "filled_at": pl.Datetime("us", "UTC")}  # fmt: skip
    return pl.DataFrame(list(rows), schema=schema, orient="row")


@dataclass(frozen=True)
class JournalFilter:
    strategy_id: int | None = None
    symbol: str = ""
    side: str = ""  # long | short
    date_from: dt.date | None = None  # exit date (fills: trade date), inclusive
    date_to: dt.date | None = None
    tag: str = ""
    outcome: str = ""  # winners | losers

    def as_query(self) -> dict[str, str]:
        """The GET parameters that reproduce this filter (for links and exports)."""
        raw = {"strategy": self.strategy_id or "", "symbol": self.symbol, "side": self.side,
               "date_from": self.date_from or "", "date_to": self.date_to or "", "tag": self.tag,
               "outcome": self.outcome}  # fmt: skip
        return {k: str(v) for k, v in raw.items() if v}


def _notes(strategy_ids: list[int]) -> pl.DataFrame:
    rows = TradeNote.objects.filter(strategy_id__in=strategy_ids).values_list(
        "entry_fill_id", "exit_fill_id", "tags", "note"
    )
    schema = {"entry_fill_id": pl.Int64, "exit_fill_id": pl.Int64, "tags": pl.Utf8, "note": pl.Utf8}
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def _date_window(frame: pl.DataFrame, column: str, flt: JournalFilter) -> pl.DataFrame:
    if flt.date_from:
        frame = frame.filter(pl.col(column) >= flt.date_from)
    if flt.date_to:
        frame = frame.filter(pl.col(column) <= flt.date_to)
    return frame


@dataclass(frozen=True)
class Journal:
    trips: pl.DataFrame  # TRIP_SCHEMA + strategy, tags, note; newest exit first
    fills: pl.DataFrame  # fills_frame columns + strategy; newest first
    stats: TradeStats
    symbols: list[str]
    tags: list[str]


def journal(names: dict[int, str], flt: JournalFilter) -> Journal:
    """Round trips and fills of the strategies in ``names`` (id -> name) narrowed by ``flt``."""
    ids = [flt.strategy_id] if flt.strategy_id in names else list(names)
    fills = fills_frame(ids)
    trips = round_trips(fills) if fills.height else pl.DataFrame(schema=TRIP_SCHEMA)
    trips = trips.join(_notes(ids), on=["entry_fill_id", "exit_fill_id"], how="left").with_columns(
        pl.col("tags").fill_null(""), pl.col("note").fill_null("")
    )
    label = pl.col("strategy_id").replace_strict(names, default="", return_dtype=pl.Utf8).alias("strategy")
    trips, fills = trips.with_columns(label), fills.with_columns(label)
    symbols = sorted(fills["symbol"].unique().to_list())
    all_tags = sorted({t for tags in trips["tags"].to_list() for t in tags.split(",") if t})
    if flt.symbol:
        trips, fills = trips.filter(pl.col("symbol") == flt.symbol), fills.filter(pl.col("symbol") == flt.symbol)
    if flt.side in SIDES:
        trips = trips.filter(pl.col("direction") == flt.side)
        opening = "buy" if flt.side == "long" else "sell"
        fills = fills.filter(pl.col("fill_id").is_in(trips["entry_fill_id"].implode()) | (pl.col("side") == opening))
    trips, fills = _date_window(trips, "exit_date", flt), _date_window(fills, "trade_date", flt)
    if flt.tag:
        trips = trips.filter(
            ("," + pl.col("tags") + ",").str.contains("," + normalise_tags(flt.tag) + ",", literal=True)
        )
    if flt.outcome == "winners":
        trips = trips.filter(pl.col("pnl") > 0)
    elif flt.outcome == "losers":
        trips = trips.filter(pl.col("pnl") < 0)
    stats = trade_stats(trips)
    trips = trips.sort("exit_date", "exit_fill_id", "entry_fill_id", descending=True)
    fills = fills.sort("filled_at", "fill_id", descending=True)
    return Journal(trips, fills, stats, symbols, all_tags)


def formula_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_rows(trips: pl.DataFrame) -> list[list[Any]]:
    """Header + one row per round trip (dates as ISO text, money in dollars, return a fraction)."""
    body = [[formula_safe(v.isoformat() if isinstance(v, dt.date) else v) for v in trip]
            for trip in trips.select(EXPORT_COLUMNS).iter_rows()]  # fmt: skip
    return [list(EXPORT_COLUMNS), *body]


def journal_csv(trips: pl.DataFrame) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(export_rows(trips))
    return out.getvalue()


def journal_xlsx(trips: pl.DataFrame) -> bytes:
    """An Excel workbook with one sheet ``Round trips`` (numbers stay numbers)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Round trips"
    for row in export_rows(trips):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
