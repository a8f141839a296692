"""Tax-loss harvesting: which open lots to sell for a loss, what it saves, and what to buy instead.

* A candidate is an open lot whose market value is below its (adjusted) basis. The saving is the
  loss times the short- or long-term rate (long when the lot would be held more than one year if
  sold on ``as_of``).
* Wash-sale risk: selling at a loss is washed if the same symbol was bought in the 30 days before
  the sale or will be bought in the 30 days after. Recent buys (dates) and planned purchases (open
  buy orders, strategy targets) are flagged per candidate.
* The suggested replacement keeps the market exposure without being substantially identical: the
  other name in the same industry group with the highest correlation of daily returns over the
  look-back window (a different issuer is not substantially identical).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np
import polars as pl

from .lots import is_long_term
from .washsales import WINDOW_DAYS, Lot


@dataclass(frozen=True, slots=True)
class Candidate:
    lot: Lot
    price: Decimal
    market_value: Decimal
    loss: Decimal
    """Positive dollars."""
    long_term: bool
    rate: Decimal
    saving: Decimal
    recent_buys: tuple[dt.date, ...] = ()
    planned_purchase: bool = False
    replacement: str | None = None
    replacement_corr: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def wash_risk(self) -> bool:
        return bool(self.recent_buys) or self.planned_purchase


def harvest_candidates(
    open_lots: Iterable[Lot],
    prices: Mapping[str, Decimal],
    *,
    as_of: dt.date,
    short_rate: Decimal,
    long_rate: Decimal,
    buys: Mapping[str, Iterable[tuple[dt.date, str]]] | None = None,
    planned: Iterable[str] = (),
    replacements: Mapping[str, tuple[str, float]] | None = None,
) -> list[Candidate]:
    """Open lots at a loss on ``as_of``, largest saving first.

    ``buys``: symbol → (date, lot id) of purchases; a lot's own purchase is not a wash risk for it.
    """
    planned_set, buys, replacements = set(planned), buys or {}, replacements or {}
    out = []
    for lot in open_lots:
        price = prices.get(lot.symbol)
        if price is None or lot.sell_date is not None:
            continue
        value = lot.shares * price
        loss = lot.cost - value
        if loss <= 0:
            continue
        long_term = is_long_term(replace(lot, sell_date=as_of, proceeds=value))
        rate = long_rate if long_term else short_rate
        recent = tuple(
            sorted(
                day
                for day, lot_id in buys.get(lot.symbol, ())
                if 0 <= (as_of - day).days <= WINDOW_DAYS and lot_id != lot.buy_lot
            )
        )
        repl = replacements.get(lot.symbol)
        out.append(
            Candidate(
                lot=lot,
                price=price,
                market_value=value.quantize(Decimal("0.01")),
                loss=loss.quantize(Decimal("0.01")),
                long_term=long_term,
                rate=rate,
                saving=(loss * rate).quantize(Decimal("0.01")),
                recent_buys=recent,
                planned_purchase=lot.symbol in planned_set,
                replacement=repl[0] if repl else None,
                replacement_corr=repl[1] if repl else None,
            )
        )
    return sorted(out, key=lambda c: (-c.saving, c.lot.symbol, c.lot.buy_date))


def best_replacements(
    returns: pl.DataFrame, groups: Mapping[str, str], targets: Iterable[str], *, min_overlap: int = 60
) -> dict[str, tuple[str, float]]:
    """For each target symbol, the other symbol of its group with the highest return correlation.

    ``returns``: long frame ``date, symbol, ret``; ``groups``: symbol → industry group. Pairs with
    fewer than ``min_overlap`` common days are skipped.
    """
    wide = returns.pivot(on="symbol", index="date", values="ret").sort("date")
    cols = [c for c in wide.columns if c != "date"]
    matrix = wide.select(cols).to_numpy().astype(float)
    present = ~np.isnan(matrix)
    out: dict[str, tuple[str, float]] = {}
    for target in targets:
        if target not in cols or target not in groups:
            continue
        t = cols.index(target)
        best: tuple[str, float] | None = None
        for j, other in enumerate(cols):
            if other == target or groups.get(other) != groups[target]:
                continue
            both = present[:, t] & present[:, j]
            if both.sum() < min_overlap:
                continue
            x, y = matrix[both, t], matrix[both, j]
            if x.std() == 0 or y.std() == 0:
                continue
            corr = float(np.corrcoef(x, y)[0, 1])
            if best is None or corr > best[1]:
                best = (other, corr)
        if best is not None:
            out[target] = best
    return out
