"""The broker trade file: one trade per line, read whole or not at all.

Columns (header required, extra columns ignored)::

    date,symbol,side,quantity,price,fees,lot_id,picks

* ``date`` ``YYYY-MM-DD``; ``side`` ``buy``, ``sell`` or ``split``;
* ``quantity`` shares (> 0; for ``split`` the ratio of new to old shares: ``2`` for 2-for-1,
  ``0.1`` for 1-for-10); ``price`` per share and ``fees`` in dollars (fees optional, default 0;
  no price on a split);
* ``lot_id`` optional name of the lot a buy opens; ``picks`` on a sell for specific
  identification: ``LOT:SHARES`` pairs separated by ``;`` (e.g. ``L1:50;L3:100``).

Errors name the line (1 = header) and the column; trades must be in date order.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TextIO

from tax.analytics.lots import Buy, Sell, Split, Trade

REQUIRED = ("date", "symbol", "side", "quantity", "price")
COLUMNS = (*REQUIRED, "fees", "lot_id", "picks")


class TradeFileError(ValueError):
    """A bad trade file; the message names the line and the column."""


def _decimal(text: str, line: int, column: str, *, required: bool = True) -> Decimal:
    text = (text or "").strip()
    if not text:
        if required:
            raise TradeFileError(f"line {line}: {column} is required")
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise TradeFileError(f"line {line}: {column} {text!r} is not a number") from None
    if not value.is_finite():
        raise TradeFileError(f"line {line}: {column} {text!r} is not a finite number")
    return value


def _picks(text: str, line: int) -> tuple[tuple[str, Decimal], ...]:
    out = []
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        lot, sep, shares = part.partition(":")
        if not sep or not lot.strip():
            raise TradeFileError(f"line {line}: picks {part!r} is not LOT:SHARES")
        out.append((lot.strip(), _decimal(shares, line, "picks")))
    return tuple(out)


def read_trades(stream: TextIO) -> list[Trade]:
    reader = csv.DictReader(stream)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if not header:
        raise TradeFileError("line 1: the file is empty (expected a header row)")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise TradeFileError(f"line 1: missing column(s): {', '.join(missing)}")
    reader.fieldnames = header
    trades: list[Trade] = []
    last: dt.date | None = None
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        try:
            date = dt.date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            raise TradeFileError(f"line {line}: date {row['date']!r} is not YYYY-MM-DD") from None
        if last is not None and date < last:
            raise TradeFileError(f"line {line}: date {date} is before the previous line's {last} (sort by date)")
        last = date
        symbol = (row["symbol"] or "").strip().upper()
        if not symbol:
            raise TradeFileError(f"line {line}: symbol is required")
        side = (row["side"] or "").strip().lower()
        quantity = _decimal(row["quantity"], line, "quantity")
        if quantity <= 0:
            raise TradeFileError(f"line {line}: quantity must be > 0")
        if side == "split":
            trades.append(Split(date, symbol, quantity))
            continue
        if side not in ("buy", "sell"):
            raise TradeFileError(f"line {line}: side {row['side']!r} is not buy, sell or split")
        price = _decimal(row["price"], line, "price")
        fees = _decimal(row.get("fees") or "", line, "fees", required=False)
        if price < 0 or fees < 0:
            raise TradeFileError(f"line {line}: price and fees must be >= 0")
        if side == "buy":
            trades.append(Buy(date, symbol, quantity, price, fees, lot_id=(row.get("lot_id") or "").strip()))
        else:
            picks = _picks(row.get("picks") or "", line)
            trades.append(Sell(date, symbol, quantity, price, fees, method="specific" if picks else None, picks=picks))
    return trades
