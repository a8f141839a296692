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

import bisect
import datetime as dt
import heapq
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

WINDOW_DAYS = 30
WINDOW = dt.timedelta(days=WINDOW_DAYS)
WASH_CODE = "W"


class _Held:
    """Derived values shared by :class:`Lot` and its mutable working copy."""

    __slots__ = ()
    basis: Decimal
    adjusted_basis: Decimal | None
    buy_date: dt.date
    adjusted_buy_date: dt.date | None

    @property
    def cost(self) -> Decimal:
        return self.basis if self.adjusted_basis is None else self.adjusted_basis

    @property
    def held_from(self) -> dt.date:
        return self.buy_date if self.adjusted_buy_date is None else self.adjusted_buy_date


@dataclass(frozen=True, slots=True)
class Lot(_Held):
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


_FIELDS = tuple(Lot.__dataclass_fields__)


class _W(_Held):
    """A mutable working copy of a :class:`Lot` (the pass changes lots in place; copying frozen
    dataclasses with ``dataclasses.replace`` dominated its run time)."""

    __slots__ = _FIELDS

    shares: Decimal
    symbol: str
    buy_date: dt.date
    basis: Decimal
    buy_lot: str
    adjusted_buy_date: dt.date | None
    adjusted_basis: Decimal | None
    sell_date: dt.date | None
    proceeds: Decimal | None
    adjustment_code: str
    adjustment: Decimal | None
    replacement_for: tuple[str, ...]
    is_replacement: bool
    loss_processed: bool
    order: tuple[int, ...]

    @classmethod
    def of(cls, lot: Lot | _W) -> _W:
        w = cls.__new__(cls)
        for name in _FIELDS:
            setattr(w, name, getattr(lot, name))
        return w

    def frozen(self) -> Lot:
        return Lot(**{name: getattr(self, name) for name in _FIELDS})

    @property
    def is_loss(self) -> bool:
        return self.proceeds is not None and self.sell_date is not None and self.proceeds < self.cost


def _split(lot: _W, shares: Decimal, quantum: Decimal, seq: int) -> _W:
    """Cut ``shares`` off ``lot`` in place (amounts in proportion, rounded to ``quantum``) and
    return the rest, which sorts right after ``lot`` (its ``order`` gets ``seq`` appended)."""
    if not 0 < shares < lot.shares:
        raise ValueError(f"cannot split {shares} shares off a lot of {lot.shares}")
    rest = _W.of(lot)
    total = lot.shares
    rest.shares, lot.shares = total - shares, shares
    for name in ("basis", "adjusted_basis", "proceeds", "adjustment"):
        amount = getattr(lot, name)
        if amount is not None:
            head = _part(amount, shares, total, quantum)
            assert head is not None
            setattr(lot, name, head)
            setattr(rest, name, amount - head)
    rest.order = (*lot.order, seq)
    return rest


def _choose(loss: _W, lots: list[_W], candidates: list[int]) -> int | None:
    if not candidates:
        return None
    first_day = min(lots[i].buy_date for i in candidates)
    earliest = sorted((i for i in candidates if lots[i].buy_date == first_day), key=lambda i: lots[i].order)
    for i in earliest:
        if lots[i].shares == loss.shares:
            return i
    for i in earliest:
        if lots[i].shares > loss.shares:
            return i
    return earliest[0]


class _Symbol:
    """The lots of one symbol, indexed by buy date (window search) and by pending loss (a heap)."""

    def __init__(self, lots: list[_W]) -> None:
        self.work = lots
        self.by_buy = sorted((lot.buy_date, lot.order, i) for i, lot in enumerate(lots))
        self.losses: list[tuple[dt.date, dt.date, tuple[int, ...], int]] = []
        for i in range(len(lots)):
            self._push(i)

    def _push(self, i: int) -> None:
        lot = self.work[i]
        if lot.is_loss and not lot.loss_processed:
            assert lot.sell_date is not None
            heapq.heappush(self.losses, (lot.sell_date, lot.buy_date, lot.order, i))

    def changed(self, i: int) -> None:
        self._push(i)

    def add(self, lot: _W) -> None:
        self.work.append(lot)
        i = len(self.work) - 1
        bisect.insort(self.by_buy, (lot.buy_date, lot.order, i))
        self._push(i)

    def next_loss(self) -> int | None:
        while self.losses:
            sell_date, buy_date, order, i = heapq.heappop(self.losses)
            lot = self.work[i]
            if lot.is_loss and not lot.loss_processed and (lot.sell_date, lot.buy_date, lot.order) == (
                sell_date, buy_date, order,
            ):  # fmt: skip
                return i
        return None

    def candidates(self, loss: _W) -> list[int]:
        assert loss.sell_date is not None
        lo = bisect.bisect_left(self.by_buy, (loss.sell_date - WINDOW, ()))
        out = []
        for buy_date, _order, i in self.by_buy[lo:]:
            if buy_date > loss.sell_date + WINDOW:
                break
            lot = self.work[i]
            if lot.buy_lot == loss.buy_lot or lot.is_replacement or lot.loss_processed:
                continue
            if lot.sell_date is not None and lot.sell_date < loss.sell_date:
                continue
            out.append(i)
        return out


def _wash_symbol(lots: list[_W], quantum: Decimal, seq: Iterator[int]) -> list[_W]:
    book = _Symbol(lots)
    while (i := book.next_loss()) is not None:
        loss = book.work[i]
        j = _choose(loss, book.work, book.candidates(loss))
        if j is None:
            loss.loss_processed = True
            continue
        repl = book.work[j]
        if loss.shares > repl.shares:
            book.add(_split(loss, repl.shares, quantum, next(seq)))
        elif repl.shares > loss.shares:
            book.add(_split(repl, loss.shares, quantum, next(seq)))
        assert loss.proceeds is not None and loss.sell_date is not None
        disallowed = loss.cost - loss.proceeds
        if disallowed <= 0:  # a split piece whose loss rounded away: nothing to disallow
            loss.loss_processed = True
            continue
        held = loss.sell_date - loss.held_from
        loss.adjustment_code, loss.adjustment, loss.loss_processed = WASH_CODE, disallowed, True
        repl.adjusted_basis = repl.cost + disallowed
        repl.adjusted_buy_date = repl.buy_date - held
        repl.is_replacement = True
        repl.replacement_for = (*loss.replacement_for, loss.buy_lot)
        book.changed(j)
    return book.work


def wash_sales(lots: Iterable[Lot], *, quantum: Decimal = Decimal(1)) -> list[Lot]:
    """Apply the wash-sale rule to ``lots`` (any symbols); returns the processed lots, split
    where needed, in input order (a split part follows its lot).

    Symbols are independent; within one, pending losses sit in a heap and replacement candidates
    are found by binary search on buy dates, so the pass is O(n log n) in the number of lots.
    """
    seq = itertools.count(1)
    by_symbol: dict[str, list[_W]] = {}
    for lot in lots:
        by_symbol.setdefault(lot.symbol, []).append(_W.of(lot))
    out: list[_W] = []
    for group in by_symbol.values():
        out.extend(_wash_symbol(group, quantum, seq))
    out.sort(key=lambda lot: lot.order)
    return [lot.frozen() for lot in out]
