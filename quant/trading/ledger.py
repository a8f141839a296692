"""Average-cost position accounting in exact ``Decimal`` (pure: no Django, no I/O).

A position is ``(quantity, cost_basis, realized)``: signed shares, the signed dollars paid for
the shares held (negative for a short: the proceeds received) and cumulative realized P&L net
of fees. Every dollar amount that is stored is rounded to 8 decimals (``MONEY_STEP``) *once*,
and the same rounded number is used for the cash ledger and for the basis, so the invariant

    realized - cost_basis == sum(trade cash) - sum(fees)        (per symbol, exactly)

holds on the stored values. From it both accounting identities follow exactly:
``cash + sum(qty * price) == equity`` and ``realized + unrealized == equity - contributed``
with ``unrealized = sum(qty * price) - sum(cost_basis)``.

Rules for a fill of signed quantity ``q`` at price ``p`` into a position ``Q`` with basis ``B``:

* opening or adding (``Q == 0`` or same sign): ``B += sign(q) * round8(|q| p)``;
* reducing (opposite sign, ``|q| < |Q|``): the closed shares release ``round8(B * |q| / |Q|)`` of
  basis; realized gains ``sign(Q) * round8(|q| p) - released``;
* closing exactly: releases all of ``B`` (the flat position has basis 0 exactly);
* flipping (``|q| > |Q|``): closes ``|Q|`` as above, then opens ``q + Q`` with basis
  ``sign(q) * (round8(|q| p) - round8(|Q| p))``, so the fill's cash is one ``round8(|q| p)``.

Fees reduce realized P&L (and cash) when paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal

MONEY_STEP = Decimal("0.00000001")
"""Stored precision of dollars, prices and shares (8 decimals; ``quant.trading.models``)."""
ZERO = Decimal(0)
EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN)
"""Enough digits that products of two stored numbers are never rounded before :func:`round8`."""


def round8(value: Decimal) -> Decimal:
    """Round to the stored 8 decimals (banker's rounding)."""
    return value.quantize(MONEY_STEP, rounding=ROUND_HALF_EVEN, context=EXACT)


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)


@dataclass(frozen=True, slots=True)
class PositionState:
    """A position's accounting state (shares, signed basis in dollars, realized dollars)."""

    quantity: Decimal = ZERO
    cost_basis: Decimal = ZERO
    realized: Decimal = ZERO

    @property
    def avg_cost(self) -> Decimal:
        """Dollars per share of the open position (0 when flat), rounded to 8 decimals."""
        if self.quantity == 0:
            return ZERO
        return round8(EXACT.divide(self.cost_basis, self.quantity))


@dataclass(frozen=True, slots=True)
class FillEffect:
    """What one fill does: the new position, the trade cash (signed dollars) and the realized change."""

    position: PositionState
    trade_cash: Decimal
    realized_delta: Decimal


def fill_effect(state: PositionState, signed_quantity: Decimal, price: Decimal, fees: Decimal = ZERO) -> FillEffect:
    """Apply a fill of ``signed_quantity`` shares (buy > 0) at ``price`` with ``fees`` (dollars >= 0).

    Inputs are taken as already rounded to the stored precision; see the module docstring.
    """
    if signed_quantity == 0:
        raise ValueError("a fill needs a non-zero quantity")
    q, qty, basis = signed_quantity, state.quantity, state.cost_basis
    s_q = _sign(q)
    amount = round8(EXACT.multiply(abs(q), price))  # dollars traded, rounded once
    trade_cash = -s_q * amount
    realized_delta = -fees
    if qty == 0 or _sign(qty) == s_q:  # open or add
        new_qty, new_basis = EXACT.add(qty, q), EXACT.add(basis, s_q * amount)
    else:
        closed = min(abs(q), abs(qty))
        if closed == abs(qty):
            released, closed_amount = basis, (amount if closed == abs(q) else round8(EXACT.multiply(closed, price)))
        else:
            released = round8(EXACT.divide(EXACT.multiply(basis, closed), abs(qty)))
            closed_amount = amount
        realized_delta += _sign(qty) * closed_amount - released
        new_qty = EXACT.add(qty, q)
        new_basis = EXACT.subtract(basis, released)
        if closed < abs(q):  # flip: the rest of the fill opens the other side
            new_basis = s_q * (amount - closed_amount)
    new_state = PositionState(new_qty, new_basis, EXACT.add(state.realized, realized_delta))
    return FillEffect(new_state, trade_cash, realized_delta)
