"""Paper broker fill rules with the numbers written out (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from quant.trading.broker import Broker, BrokerError, OrderRejected, OrderRequest
from quant.trading.paper import PaperBroker

from .conftest import D1, D2, D3


def buy(coid: str, qty: str, kind: str = "market", limit: str | None = None, tif: str = "day") -> OrderRequest:
    return OrderRequest(coid, "AAA", "buy", D(qty), kind, None if limit is None else D(limit), tif)


def sell(coid: str, qty: str, kind: str = "market", limit: str | None = None, tif: str = "day") -> OrderRequest:
    return OrderRequest(coid, "AAA", "sell", D(qty), kind, None if limit is None else D(limit), tif)


def test_it_implements_the_broker_protocol(prices) -> None:  # noqa: ANN001
    assert isinstance(PaperBroker(prices), Broker)


def test_market_fills_at_the_next_open_with_slippage_against_the_trader(prices) -> None:  # noqa: ANN001
    b = PaperBroker(prices, slippage_bps=25, commission_per_share="0.005", today=D1)
    b.submit(buy("b", "10"))
    b.submit(sell("s", "4"))
    b.process(D1)
    assert b.order("b").status == "accepted"  # not on its own session
    b.process(D2)
    fb, fs = b.order("b").fills[0], b.order("s").fills[0]
    assert (fb.price, fb.quantity, fb.fees) == (D("102.255"), D(10), D("0.05"))  # 102 * 1.0025
    assert (fs.price, fs.fees) == (D("101.745"), D("0.02"))  # 102 * 0.9975
    assert b.order("b").status == b.order("s").status == "filled"
    # net 6 shares long; cash = -1022.55 + 406.98 - 0.07
    assert b.cash == D("-615.64")
    assert [(p.symbol, p.quantity) for p in b.positions()] == [("AAA", D(6))]


def test_market_close_model_and_moc_fill_at_the_close_of_the_session(prices) -> None:  # noqa: ANN001
    b = PaperBroker(prices, fill_model="close", slippage_bps=10, today=D1)
    b.submit(buy("m", "2"))
    b.submit(sell("c", "1", "moc"))
    b.process(D1)
    assert b.order("m").fills[0].price == D("101.101")  # 101 * 1.001
    assert b.order("c").fills[0].price == D("100.899")  # 101 * 0.999


def test_moc_cost_is_exactly_the_bps_share_of_traded_value(prices) -> None:  # noqa: ANN001
    b = PaperBroker(prices, slippage_bps="7.5", today=D2)
    b.submit(OrderRequest("x", "BBB", "buy", D("3.33333333"), "moc"))
    b.process(D2)
    fill = b.order("x").fills[0]
    value = D("3.33333333") * D(49)
    assert fill.quantity * fill.price - value == value * D("0.00075")  # 49 * 1.00075 = 49.03675 (exact in 8 dp)


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (buy("l", "5", "limit", "101.5"), D("101.5")),  # low 101 crosses 101.5: at the limit
        (buy("l", "5", "limit", "103"), D("102")),  # open 102 already below 103: at the open (better)
        (buy("l", "5", "limit", "100.99"), None),  # low 101 never reaches it
        (sell("l", "5", "limit", "104"), D("104")),  # high 105 crosses
        (sell("l", "5", "limit", "101"), D("102")),  # open above the limit
        (sell("l", "5", "limit", "105.01"), None),
    ],
)
def test_limit_orders_fill_when_the_range_crosses(prices, request_, expected) -> None:  # noqa: ANN001
    b = PaperBroker(prices, today=D1)
    b.submit(request_)
    b.process(D2)
    o = b.order("l")
    if expected is None:
        assert o.fills == () and o.status == "cancelled"  # a DAY limit that did not trade expires
    else:
        assert o.fills[0].price == expected and o.status == "filled"


def test_slippage_never_makes_a_limit_fill_worse_than_the_limit(prices) -> None:  # noqa: ANN001
    b = PaperBroker(prices, slippage_bps=50, today=D1)
    b.submit(buy("l", "1", "limit", "101.5"))
    b.process(D2)
    assert b.order("l").fills[0].price == D("101.5")


def test_volume_cap_fills_partially_and_gtc_carries_the_rest(prices) -> None:  # noqa: ANN001
    b = PaperBroker(prices, max_volume_share="0.1", today=D1)  # AAA: 1000 shares on D2, 500 on D3
    b.submit(buy("g", "1200", tif="gtc"))
    b.submit(buy("d", "300"))  # DAY: gets nothing on D2 (the cap is used up by the earlier order)
    b.process(D2)
    assert (b.order("g").status, b.order("g").filled_quantity) == ("partially_filled", D(1000))
    assert (b.order("d").status, b.order("d").filled_quantity) == ("cancelled", D(0))
    b.process(D3)
    assert (b.order("g").status, b.order("g").filled_quantity) == ("filled", D(1200))
    assert [f.price for f in b.order("g").fills] == [D(102), D(103)]
    assert b.order("g").avg_fill_price == D("102.16666667")  # (1000*102 + 200*103) / 1200


def test_submission_is_idempotent_and_unknown_symbols_are_rejected(prices) -> None:  # noqa: ANN001
    b = PaperBroker(prices, today=D1)
    first = b.submit(buy("x", "1"))
    assert b.submit(buy("x", "1")) == first and len(b.orders) == 1
    with pytest.raises(OrderRejected, match="unknown symbol"):
        b.submit(OrderRequest("y", "ZZZ", "buy", D(1)))
    with pytest.raises(BrokerError, match="cannot go back"):
        b.process(dt.date(2020, 1, 1))


def test_cancel_replace_and_a_day_without_bars(prices) -> None:  # noqa: ANN001
    b = PaperBroker(prices, today=D1)
    b.submit(buy("c", "5", "limit", "90", "gtc"))
    b.replace("c", limit_price=D("101.5"))
    b.process(D2)
    assert b.order("c").fills[0].price == D("101.5")
    b.submit(buy("x", "5"))
    assert b.cancel("x").status == "cancelled"
    b.process(D3)
    assert b.order("x").fills == ()
    b.submit(buy("h", "5"))
    b.process(dt.date(2024, 3, 7))  # no bar: a DAY order expires
    assert b.order("h").status == "cancelled" and "no trading" in b.order("h").reject_reason


def test_dump_and_load_round_trip_the_book(prices) -> None:  # noqa: ANN001
    b = PaperBroker(prices, commission_per_share="0.01", today=D1, cash="1000")
    b.submit(buy("a", "2.5", tif="gtc"))
    b.submit(buy("l", "1", "limit", "50", "gtc"))
    b.process(D2)
    copy = PaperBroker(prices, commission_per_share="0.01").load(b.dump())
    assert copy.dump() == b.dump()
    assert copy.account() == b.account() and copy.positions() == b.positions()
    assert copy.account().cash == D(1000) - D("2.5") * 102 - D("0.025")
