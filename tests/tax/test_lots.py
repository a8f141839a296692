"""Lot relief on textbook examples (numbers worked by hand in the docstrings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from tax.analytics.lots import Buy, ReliefError, Sell, Split, is_long_term, realized_gain, relieve
from tax.analytics.washsales import wash_sales

JAN, FEB, MAR, JUN = dt.date(2020, 1, 15), dt.date(2020, 2, 14), dt.date(2020, 3, 16), dt.date(2020, 6, 15)
THREE_BUYS = [
    Buy(JAN, "ABC", D(100), D(10), lot_id="L1"),
    Buy(FEB, "ABC", D(100), D(12), lot_id="L2"),
    Buy(MAR, "ABC", D(100), D(8), lot_id="L3"),
]


def closed(lots):
    return [(lot.buy_lot, lot.shares, lot.basis, lot.proceeds) for lot in lots if lot.sell_date]


def test_fifo():
    """Sell 150 @ 11: L1 100 (basis 1000, proceeds 1100, +100) and 50 of L2 (600, 550, -50)."""
    lots = relieve([*THREE_BUYS, Sell(JUN, "ABC", D(150), D(11))], method="fifo")
    assert closed(lots) == [("L1", 100, D("1000.00"), D("1100.00")), ("L2", 50, D("600.00"), D("550.00"))]
    assert sum(realized_gain(lot) for lot in lots if lot.sell_date) == D("50.00")
    assert [(lot.buy_lot, lot.shares, lot.basis) for lot in lots if not lot.sell_date] == [
        ("L2", 50, D("600.00")),
        ("L3", 100, D("800.00")),
    ]


def test_lifo():
    """L3 100 @ 8 (+300) then 50 of L2 @ 12 (-50): +250."""
    lots = relieve([*THREE_BUYS, Sell(JUN, "ABC", D(150), D(11))], method="lifo")
    assert {lot.buy_lot: realized_gain(lot) for lot in lots if lot.sell_date} == {"L3": D(300), "L2": D(-50)}


def test_hifo():
    """L2 100 @ 12 (-100) then 50 of L1 @ 10 (+50): -50, the lowest tax bill."""
    lots = relieve([*THREE_BUYS, Sell(JUN, "ABC", D(150), D(11))], method="hifo")
    assert {lot.buy_lot: realized_gain(lot) for lot in lots if lot.sell_date} == {"L2": D(-100), "L1": D(50)}


def test_specific_identification():
    """50 of L1 (basis 500, +50) and all of L3 (basis 800, +300)."""
    sale = Sell(JUN, "ABC", D(150), D(11), method="specific", picks=(("L1", D(50)), ("L3", D(100))))
    lots = relieve([*THREE_BUYS, sale])
    assert {lot.buy_lot: realized_gain(lot) for lot in lots if lot.sell_date} == {"L1": D(50), "L3": D(300)}
    with pytest.raises(ReliefError, match="picks add up to a different quantity"):
        relieve([*THREE_BUYS, Sell(JUN, "ABC", D(150), D(11), method="specific", picks=(("L1", D(50)),))])
    with pytest.raises(ReliefError, match="no open lot 'L9'"):
        relieve([*THREE_BUYS, Sell(JUN, "ABC", D(10), D(11), method="specific", picks=(("L9", D(10)),))])


def test_fees_are_in_basis_and_out_of_proceeds():
    """Buy 10 @ 20 + 5 fee = basis 205; sell 10 @ 25 - 5 fee = 245; gain 40."""
    lots = relieve([Buy(JAN, "X", D(10), D(20), D(5)), Sell(JUN, "X", D(10), D(25), D(5))])
    assert realized_gain(lots[0]) == D(40)


def test_split_and_reverse_split_adjust_open_lots():
    """2-for-1: 100 @ 10 becomes 200 shares with basis 1000; sold at 6: +200. Then 1-for-10."""
    lots = relieve([Buy(JAN, "X", D(100), D(10)), Split(FEB, "X", D(2)), Sell(JUN, "X", D(200), D(6))])
    assert (lots[0].shares, realized_gain(lots[0])) == (200, D(200))
    lots = relieve([Buy(JAN, "X", D(100), D(10)), Split(FEB, "X", D("0.1"))])
    assert (lots[0].shares, lots[0].basis) == (10, D(1000))


def test_overselling_is_refused():
    with pytest.raises(ReliefError, match="only 100 shares are held"):
        relieve([Buy(JAN, "X", D(100), D(10)), Sell(JUN, "X", D(101), D(10))])


def test_holding_period_more_than_one_year():
    buy = [Buy(dt.date(2020, 1, 15), "X", D(1), D(10))]
    one_year = relieve([*buy, Sell(dt.date(2021, 1, 15), "X", D(1), D(11))])[0]
    one_year_and_a_day = relieve([*buy, Sell(dt.date(2021, 1, 16), "X", D(1), D(11))])[0]
    assert not is_long_term(one_year) and is_long_term(one_year_and_a_day)


def test_wash_sale_on_relieved_lots_carries_basis_and_holding_period():
    """Buy 100 @ 50 (Jan 15), sell 100 @ 40 (Jun 15: -1000), buy 100 @ 42 (Jul 1, 16 days later):
    the loss is washed, the replacement's basis is 4200 + 1000 = 5200 and it counts as held
    since Jan 15 + (Jul 1 - Jun 15) = Jan 31."""
    lots = relieve(
        [Buy(JAN, "X", D(100), D(50)), Sell(JUN, "X", D(100), D(40)), Buy(dt.date(2020, 7, 1), "X", D(100), D(42))]
    )
    sold, replacement = wash_sales(lots, quantum=D("0.01"))
    assert (sold.adjustment_code, sold.adjustment, realized_gain(sold)) == ("W", D(1000), D(0))
    assert replacement.adjusted_basis == D(5200)
    assert replacement.adjusted_buy_date == dt.date(2020, 1, 31)
