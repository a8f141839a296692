"""Properties of the wash-sale pass on random lot sets: nothing is created or lost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tax.analytics.washsales import WASH_CODE, Lot, wash_sales

DAY0 = dt.date(2020, 1, 1)


@st.composite
def lots(draw):
    out = []
    for i in range(draw(st.integers(1, 8))):
        buy = DAY0 + dt.timedelta(days=draw(st.integers(0, 120)))
        sold = draw(st.booleans())
        sell = buy + dt.timedelta(days=draw(st.integers(0, 60))) if sold else None
        out.append(
            Lot(
                shares=Decimal(draw(st.integers(1, 20))),
                symbol=draw(st.sampled_from(["ABC", "XYZ"])),
                buy_date=buy,
                basis=Decimal(draw(st.integers(0, 5000))),
                buy_lot=f"_{i + 1}",
                sell_date=sell,
                proceeds=Decimal(draw(st.integers(0, 5000))) if sold else None,
                order=(i,),
            )
        )
    return out


@settings(max_examples=200, deadline=None)
@given(lots())
def test_shares_basis_and_proceeds_are_conserved_and_disallowed_losses_move_into_basis(lots_in):
    out = wash_sales(lots_in)
    for symbol in {lot.symbol for lot in lots_in}:
        before = [lot for lot in lots_in if lot.symbol == symbol]
        after = [lot for lot in out if lot.symbol == symbol]
        assert sum(lot.shares for lot in after) == sum(lot.shares for lot in before)
        assert sum(lot.basis for lot in after) == sum(lot.basis for lot in before)
        assert sum(lot.proceeds or 0 for lot in after) == sum(lot.proceeds or 0 for lot in before)
        # every disallowed dollar sits in some replacement's adjusted basis
        disallowed = sum(lot.adjustment or 0 for lot in after if lot.adjustment_code == WASH_CODE)
        added = sum(lot.cost - lot.basis for lot in after)
        assert added == disallowed
    for lot in out:
        if lot.adjustment_code == WASH_CODE:
            assert lot.adjustment is not None and lot.adjustment > 0 and lot.loss_processed
        if lot.is_replacement:
            assert lot.adjusted_buy_date is not None and lot.adjusted_buy_date <= lot.buy_date
