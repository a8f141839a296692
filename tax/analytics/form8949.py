"""Form 8949 rows (boxes A/B/D/E) and TXF (Tax Exchange Format v042) from closed lots.

Box A/D: short/long term with basis reported to the IRS; B/E: not reported. Column (g) carries
the wash-sale adjustment with code ``W``; column (h) = proceeds - cost basis + adjustment.
TXF reference numbers: 321 (box A), 711 (B), 323 (D), 713 (E); each sale is one record of
format 5 (``P`` description, ``D`` acquired, ``D`` sold, ``$`` cost, ``$`` proceeds, and ``$``
disallowed wash-sale loss when there is one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .lots import is_long_term, realized_gain
from .washsales import Lot

BOXES = {(False, True): "A", (False, False): "B", (True, True): "D", (True, False): "E"}
TXF_CODES = {"A": 321, "B": 711, "D": 323, "E": 713}
COLUMNS = (
    "box",
    "description",
    "date_acquired",
    "date_sold",
    "proceeds",
    "cost_basis",
    "adjustment_code",
    "adjustment_amount",
    "gain_or_loss",
)


@dataclass(frozen=True, slots=True)
class Row:
    box: str
    description: str
    date_acquired: dt.date
    date_sold: dt.date
    proceeds: Decimal
    cost_basis: Decimal
    adjustment_code: str
    adjustment_amount: Decimal
    gain_or_loss: Decimal


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def form8949_rows(lots: Iterable[Lot], *, year: int | None = None, basis_reported: bool = True) -> list[Row]:
    """One row per closed lot (sold in ``year`` when given), ordered by box then sale date."""
    rows = []
    for lot in lots:
        if lot.sell_date is None or lot.proceeds is None or (year is not None and lot.sell_date.year != year):
            continue
        box = BOXES[(is_long_term(lot), basis_reported)]
        rows.append(
            Row(
                box=box,
                description=f"{lot.shares.normalize():f} sh {lot.symbol}",
                date_acquired=lot.held_from,
                date_sold=lot.sell_date,
                proceeds=lot.proceeds,
                cost_basis=lot.cost,
                adjustment_code=lot.adjustment_code,
                adjustment_amount=lot.adjustment or Decimal(0),
                gain_or_loss=realized_gain(lot),
            )
        )
    return sorted(rows, key=lambda r: (r.box, r.date_sold, r.description))


def row_record(row: Row) -> dict[str, str]:
    return {
        "box": row.box,
        "description": row.description,
        "date_acquired": row.date_acquired.isoformat(),
        "date_sold": row.date_sold.isoformat(),
        "proceeds": _money(row.proceeds),
        "cost_basis": _money(row.cost_basis),
        "adjustment_code": row.adjustment_code,
        "adjustment_amount": _money(row.adjustment_amount) if row.adjustment_code else "",
        "gain_or_loss": _money(row.gain_or_loss),
    }


def summary(rows: Iterable[Row]) -> dict[str, dict[str, str]]:
    """Totals per box: proceeds, cost, adjustments, gain or loss (as on Schedule D)."""
    out: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        box = out.setdefault(row.box, {k: Decimal(0) for k in ("proceeds", "cost", "adjustment", "gain")})
        box["proceeds"] += row.proceeds
        box["cost"] += row.cost_basis
        box["adjustment"] += row.adjustment_amount
        box["gain"] += row.gain_or_loss
    return {box: {k: _money(v) for k, v in totals.items()} for box, totals in sorted(out.items())}


def txf(rows: Iterable[Row], *, exported: dt.date, program: str = "Quantdesk") -> str:
    """TXF v042 text (CRLF line ends, as tax programs expect)."""
    lines = ["V042", f"A{program}", f"D{exported:%m/%d/%Y}", "^"]
    for row in rows:
        lines += [
            "TD",
            f"N{TXF_CODES[row.box]}",
            "C1",
            "L1",
            f"P{row.description}",
            f"D{row.date_acquired:%m/%d/%Y}",
            f"D{row.date_sold:%m/%d/%Y}",
            f"${_money(row.cost_basis)}",
            f"${_money(row.proceeds)}",
        ]
        if row.adjustment_code == "W":
            lines.append(f"${_money(row.adjustment_amount)}")
        lines.append("^")
    return "\r\n".join(lines) + "\r\n"
