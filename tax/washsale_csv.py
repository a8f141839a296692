"""Lots in the CSV format of the open-source wash-sale tracker (``bbreslauer``, after adlr's).

Columns (all present, in this order): ``Num Shares, Symbol, Description, Buy Date, Adjusted Buy
Date, Basis, Adjusted Basis, Sell Date, Proceeds, Adjustment Code, Adjustment, Form Position,
Buy Lot, Replacement For, Is Replacement, Loss Processed``. Dates are ``M/D/YYYY`` (written
``MM/DD/YYYY``); a row with a sell date is a sale of that lot; a blank ``Buy Lot`` gets ``_N``
(N = line number among the data rows); ``Replacement For`` lists lot ids joined by ``|``.

Reading checks every row first and raises :class:`LotFileError` naming the line and the column;
nothing is returned half-way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TextIO

from tax.analytics.washsales import Lot

COLUMNS = (
    "Num Shares",
    "Symbol",
    "Description",
    "Buy Date",
    "Adjusted Buy Date",
    "Basis",
    "Adjusted Basis",
    "Sell Date",
    "Proceeds",
    "Adjustment Code",
    "Adjustment",
    "Form Position",
    "Buy Lot",
    "Replacement For",
    "Is Replacement",
    "Loss Processed",
)


class LotFileError(ValueError):
    """A bad lot file; the message names the line (1 = header) and the column."""


def us_date(text: str) -> dt.date:
    """``M/D/YYYY`` (or ``MM/DD/YYYY``) as a date; ``ValueError`` otherwise."""
    month, day, year = text.split("/")
    if len(year) != 4:
        raise ValueError(f"year {year!r} is not 4 digits")
    return dt.date(int(year), int(month), int(day))


def _date(text: str, line: int, column: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return us_date(text)
    except ValueError:
        raise LotFileError(f"line {line}: {column} {text!r} is not a date (M/D/YYYY)") from None


def _number(text: str, line: int, column: str) -> Decimal | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise LotFileError(f"line {line}: {column} {text!r} is not a number") from None
    if not value.is_finite():
        raise LotFileError(f"line {line}: {column} {text!r} is not a finite number")
    return value


def _flag(text: str) -> bool:
    return text.strip().lower() in {"true", "1", "yes", "y"}


def read_lots(stream: TextIO) -> list[Lot]:
    """Parse the tracker's CSV into lots (raises :class:`LotFileError` on the first bad row)."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise LotFileError("line 1: the file is empty (expected a header row)")
    header = [name.strip().lstrip("\ufeff") for name in header]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise LotFileError(f"line 1: missing column(s): {', '.join(missing)}")
    at = {name: header.index(name) for name in COLUMNS}
    lots: list[Lot] = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(header) - len(row))
        cell = {name: row[at[name]] for name in COLUMNS}
        shares = _number(cell["Num Shares"], number, "Num Shares")
        if shares is None or shares <= 0:
            raise LotFileError(f"line {number}: Num Shares must be a positive number")
        buy_date = _date(cell["Buy Date"], number, "Buy Date")
        if buy_date is None:
            raise LotFileError(f"line {number}: Buy Date is required")
        basis = _number(cell["Basis"], number, "Basis")
        if basis is None or basis < 0:
            raise LotFileError(f"line {number}: Basis must be a number >= 0")
        sell_date = _date(cell["Sell Date"], number, "Sell Date")
        proceeds = _number(cell["Proceeds"], number, "Proceeds")
        if (sell_date is None) != (proceeds is None):
            raise LotFileError(f"line {number}: Sell Date and Proceeds go together (one is blank)")
        if sell_date is not None and sell_date < buy_date:
            raise LotFileError(f"line {number}: Sell Date {cell['Sell Date']} is before Buy Date {cell['Buy Date']}")
        symbol = cell["Symbol"].strip()
        if not symbol:
            raise LotFileError(f"line {number}: Symbol is required")
        lots.append(
            Lot(
                shares=shares,
                symbol=symbol,
                description=cell["Description"],
                buy_date=buy_date,
                adjusted_buy_date=_date(cell["Adjusted Buy Date"], number, "Adjusted Buy Date"),
                basis=basis,
                adjusted_basis=_number(cell["Adjusted Basis"], number, "Adjusted Basis"),
                sell_date=sell_date,
                proceeds=proceeds,
                adjustment_code=cell["Adjustment Code"].strip(),
                adjustment=_number(cell["Adjustment"], number, "Adjustment"),
                form_position=cell["Form Position"],
                buy_lot=cell["Buy Lot"].strip() or f"_{len(lots) + 1}",
                replacement_for=tuple(x for x in cell["Replacement For"].split("|") if x.strip()),
                is_replacement=_flag(cell["Is Replacement"]),
                loss_processed=_flag(cell["Loss Processed"]),
                order=(len(lots),),
            )
        )
    return lots


def _fmt_date(value: dt.date | None) -> str:
    return "" if value is None else value.strftime("%m/%d/%Y")


def _fmt_number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def lot_record(lot: Lot) -> dict[str, str]:
    """One lot as the tracker's columns (strings, as written to CSV)."""
    return {
        "Num Shares": _fmt_number(lot.shares),
        "Symbol": lot.symbol,
        "Description": lot.description,
        "Buy Date": _fmt_date(lot.buy_date),
        "Adjusted Buy Date": _fmt_date(lot.adjusted_buy_date),
        "Basis": _fmt_number(lot.basis),
        "Adjusted Basis": _fmt_number(lot.adjusted_basis),
        "Sell Date": _fmt_date(lot.sell_date),
        "Proceeds": _fmt_number(lot.proceeds),
        "Adjustment Code": lot.adjustment_code,
        "Adjustment": _fmt_number(lot.adjustment),
        "Form Position": lot.form_position,
        "Buy Lot": lot.buy_lot,
        "Replacement For": "|".join(lot.replacement_for),
        "Is Replacement": "True" if lot.is_replacement else "",
        "Loss Processed": "True" if lot.loss_processed else "",
    }


def write_lots(lots: Iterable[Lot]) -> str:
    """The lots as the tracker's CSV (header + one row per lot)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for lot in lots:
        writer.writerow(lot_record(lot))
    return out.getvalue()
