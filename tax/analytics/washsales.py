"""Wash sales (IRC §1091) over a list of lots, one loss at a time in date order.

A *lot* here is a block of shares bought together and, if ``sell_date`` is set, sold together.
A sale at a loss is a **wash sale** when substantially identical shares were bought within
30 days before or after it (``|buy_date - sell_date| <= 30`` days). The loss is disallowed
(code ``W``, adjustment = the loss) and added to the replacement shares' basis; their holding
period starts earlier by the loss lot's holding period.

Rules, as in the open-source wash-sale tracker whose published cases the tests replay
(``bbreslauer``, after ``adlr/wash-sale-calculator``):

* Losses are processed in order of sale date, then buy date, then input order; each loss once.
* A replacement candidate is another lot of the same symbol (a different ``buy_lot``) bought
  within the window, not already used as a replacement, not itself already processed as a
  loss, and not sold before the loss sale (pushing a loss back into an earlier, closed sale is
  refused — see the ``no_wash_replacement_sold_before_loss`` case).
* Among the candidates bought first, one with the loss's share count wins, else the first
  larger one, else the first one. Shares are matched one for one: the larger of the loss and
  the replacement is split, and the rest goes back into the queue (a split loss remainder
  looks for its own replacement; a split replacement remainder is a normal lot).
* A replacement that is later sold at a loss is itself a loss in the queue (chains).

Money is ``Decimal``. When a lot is split, its amounts are divided in proportion to shares and
rounded to ``quantum`` (whole dollars by default, as the tracker's cases and Form 8949 do);
the remainder keeps the difference, so totals are preserved exactly.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

WINDOW_DAYS = 30
WASH_CODE = "W"


@dataclass(frozen=True, slots=True)
class Lot:
    """One block of shares; ``adjusted_*`` are ``None`` while unchanged."""

    shares: Decimal
    symbol: str
    buy_date: dt.date
    basis: Decimal
    buy_lot: str
    description: str = ""
    adjusted_buy_date: dt.date | None = None
    adjusted_basis: Decimal | None = None
    sell_date: dt.date | None = None
    proceeds: Decimal | None = None
    adjustment_code: str = ""
    adjustment: Decimal | None = None
    form_position: str = ""
    replacement_for: tuple[str, ...] = ()
    is_replacement: bool = False
    loss_processed: bool = False
    order: tuple[int, ...] = field(default=(0,), compare=False)
    """Input position (and split position) — the tie-breaker that keeps results reproducible."""

    @property
    def cost(self) -> Decimal:
        return self.basis if self.adjusted_basis is None else self.adjusted_basis

    @property
    def held_from(self) -> dt.date:
        return self.buy_date if self.adjusted_buy_date is None else self.adjusted_buy_date

    @property
    def is_sold(self) -> bool:
        return self.sell_date is not None

    @property
    def gain(self) -> Decimal | None:
        """Proceeds minus (adjusted) basis, before any wash-sale adjustment; None while open."""
        if self.sell_date is None or self.proceeds is None:
            return None
        return self.proceeds - self.cost

    @property
    def is_loss(self) -> bool:
        gain = self.gain
        return gain is not None and gain < 0


def _part(amount: Decimal | None, shares: Decimal, total: Decimal, quantum: Decimal) -> Decimal | None:
    if amount is None:
        return None
    return (amount * shares / total).quantize(quantum, rounding=ROUND_HALF_UP)


def split(lot: Lot, shares: Decimal, quantum: Decimal = Decimal(1), *, seq: int = 1) -> tuple[Lot, Lot]:
    """``lot`` as (``shares`` of it, the rest); amounts in proportion, rounded to ``quantum``.

    The rest sorts right after ``lot`` (its ``order`` gets ``seq`` appended)."""
    if not 0 < shares < lot.shares:
        raise ValueError(f"cannot split {shares} shares off a lot of {lot.shares}")
    rest = lot.shares - shares

    def both(amount: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
        first = _part(amount, shares, lot.shares, quantum)
        return first, (None if amount is None or first is None else amount - first)

    basis, basis_rest = both(lot.basis)
    adjusted, adjusted_rest = both(lot.adjusted_basis)
    proceeds, proceeds_rest = both(lot.proceeds)
    adjustment, adjustment_rest = both(lot.adjustment)
    assert basis is not None and basis_rest is not None
    head = replace(lot, shares=shares, basis=basis, adjusted_basis=adjusted, proceeds=proceeds, adjustment=adjustment)
    tail = replace(
        lot,
        shares=rest,
        basis=basis_rest,
        adjusted_basis=adjusted_rest,
        proceeds=proceeds_rest,
        adjustment=adjustment_rest,
        order=(*lot.order, seq),
    )
    return head, tail


def _in_window(loss: Lot, candidate: Lot) -> bool:
    assert loss.sell_date is not None
    return abs((candidate.buy_date - loss.sell_date).days) <= WINDOW_DAYS


def _candidates(loss: Lot, lots: list[Lot]) -> list[int]:
    assert loss.sell_date is not None
    out = []
    for i, lot in enumerate(lots):
        if lot.symbol != loss.symbol or lot.buy_lot == loss.buy_lot:
            continue
        if lot.is_replacement or lot.loss_processed or not _in_window(loss, lot):
            continue
        if lot.sell_date is not None and lot.sell_date < loss.sell_date:
            continue
        out.append(i)
    return out


def _choose(loss: Lot, lots: list[Lot], candidates: list[int]) -> int | None:
    if not candidates:
        return None
    first_day = min(lots[i].buy_date for i in candidates)
    earliest = sorted((i for i in candidates if lots[i].buy_date == first_day), key=lambda i: lots[i].order)
    for wanted in (
        lambda lot: lot.shares == loss.shares,
        lambda lot: lot.shares > loss.shares,
        lambda lot: True,
    ):
        for i in earliest:
            if wanted(lots[i]):
                return i
    return None  # pragma: no cover - the last predicate always matches


def _next_loss(lots: list[Lot]) -> int | None:
    pending = [i for i, lot in enumerate(lots) if lot.is_loss and not lot.loss_processed]
    if not pending:
        return None
    return min(pending, key=lambda i: (lots[i].sell_date, lots[i].buy_date, lots[i].order))


def wash_sales(lots: Iterable[Lot], *, quantum: Decimal = Decimal(1)) -> list[Lot]:
    """Apply the wash-sale rule to ``lots`` (any symbols); returns the processed lots, split
    where needed, in input order (a split part follows its lot)."""
    work = list(lots)
    seq = itertools.count(1)
    while (i := _next_loss(work)) is not None:
        loss = work[i]
        j = _choose(loss, work, _candidates(loss, work))
        if j is None:
            work[i] = replace(loss, loss_processed=True)
            continue
        repl = work[j]
        if loss.shares > repl.shares:
            loss, rest = split(loss, repl.shares, quantum, seq=next(seq))
            work[i] = loss
            work.append(rest)
        elif repl.shares > loss.shares:
            repl, rest = split(repl, loss.shares, quantum, seq=next(seq))
            work[j] = repl
            work.append(rest)
        gain = loss.gain
        assert gain is not None and loss.sell_date is not None
        disallowed = -gain
        held = loss.sell_date - loss.held_from
        work[i] = replace(loss, adjustment_code=WASH_CODE, adjustment=disallowed, loss_processed=True)
        work[j] = replace(
            repl,
            adjusted_basis=repl.cost + disallowed,
            adjusted_buy_date=repl.buy_date - held,
            is_replacement=True,
            replacement_for=(*loss.replacement_for, loss.buy_lot),
        )
    return sorted(work, key=lambda lot: lot.order)
