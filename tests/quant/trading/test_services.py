"""Order, fill, capital and snapshot services with real numbers; refused input writes nothing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from quant.models import Strategy
from quant.trading.broker import BrokerFill, OrderRequest
from quant.trading.models import CashEntry, Fill, Order, PnLSnapshot, Position
from quant.trading.paper import PaperBroker
from quant.trading.selectors import book_value, cash_balance, fills_for, orders_open
from quant.trading.services import (
    TradingError,
    capital_contribute,
    capital_withdraw,
    fill_apply,
    order_cancel,
    order_gate_register,
    order_submit,
    order_sync,
    snapshot_take,
)

from .conftest import D1, D2, D3

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Order, Fill, Position, CashEntry, PnLSnapshot))


@pytest.fixture
def broker(prices) -> PaperBroker:  # noqa: ANN001
    return PaperBroker(prices, slippage_bps=10, commission_per_share="0.01", today=D1)


def test_moc_order_fills_through_the_paper_broker_and_books_everything(strategy, broker) -> None:  # noqa: ANN001
    capital_contribute(strategy, "10000", trade_date=D1)
    order = order_submit(strategy, OrderRequest("o1", "AAA", "buy", D(20), "moc"), broker=broker, trade_date=D1)
    assert order.status == "accepted" and order.broker_order_id == "paper-o1"
    broker.process(D1)
    order = order_sync(order, broker)
    # close 101 * (1 + 10 bps) = 101.101; 20 shares = 2022.02; commission 20 * 0.01 = 0.20
    assert (order.status, order.filled_quantity, order.avg_fill_price) == ("filled", D(20), D("101.101"))
    pos = Position.objects.get(strategy=strategy, symbol="AAA")
    assert (pos.quantity, pos.cost_basis, pos.avg_cost) == (D(20), D("2022.02"), D("101.101"))
    assert pos.realized_pnl == D("-0.2")  # the commission
    assert cash_balance(strategy) == D("10000") - D("2022.02") - D("0.20")
    assert sorted(CashEntry.objects.filter(fill__isnull=False).values_list("kind", "amount")) == [
        ("fee", D("-0.2")), ("trade", D("-2022.02"))
    ]  # fmt: skip
    order_sync(order, broker)  # syncing again applies nothing twice
    assert Fill.objects.count() == 1 and CashEntry.objects.count() == 3
    book = book_value(strategy, broker.prices, D1)
    # equity = cash + 20 * 101 = 7977.78 + 2020 = 9997.78; unrealized 2020 - 2022.02
    assert (book.equity, book.unrealized, book.realized) == (D("9997.78"), D("-2.02"), D("-0.2"))
    assert book.realized + book.unrealized == book.equity - book.contributed


def test_resubmitting_the_same_request_returns_the_existing_order(strategy, broker) -> None:  # noqa: ANN001
    request = OrderRequest("o1", "AAA", "buy", D(5), "limit", D("100"), "gtc")
    first = order_submit(strategy, request, broker=broker, trade_date=D1)
    again = order_submit(strategy, request, broker=broker, trade_date=D1)
    assert again.pk == first.pk and Order.objects.count() == 1
    before = counts()
    with pytest.raises(TradingError, match="already used by another order"):
        order_submit(strategy, OrderRequest("o1", "AAA", "buy", D(6), "limit", D("100"), "gtc"), broker=broker,
                     trade_date=D1)  # fmt: skip
    assert counts() == before


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (OrderRequest("x", "ZZZ", "buy", D(1)), "unknown symbol 'ZZZ'"),
        (OrderRequest("x", "AAA", "buy", D(0)), "quantity must be positive"),
        (OrderRequest("x", "AAA", "sell", D(-3)), "quantity must be positive"),
        (OrderRequest("x", "AAA", "buy", D("NaN")), "finite"),
        (OrderRequest("x", "AAA", "buy", D(1), "limit", D("NaN")), "finite"),
        (OrderRequest("x", "AAA", "buy", D(1), "limit", D("-1")), "limit price must be positive"),
        (OrderRequest("x", "AAA", "buy", D(1), "limit"), "needs a limit price"),
        (OrderRequest("x", "AAA", "hold", D(1)), "side must be buy or sell"),
        (OrderRequest("", "AAA", "buy", D(1)), "client order id"),
    ],
)
def test_bad_orders_are_refused_with_one_line_and_no_state_change(strategy, broker, request_, message) -> None:  # noqa: ANN001
    capital_contribute(strategy, "1000", trade_date=D1)
    before, at_broker = counts(), dict(broker.orders)
    with pytest.raises(TradingError, match=message) as info:
        order_submit(strategy, request_, broker=broker, trade_date=D1)
    assert "\n" not in str(info.value)
    assert counts() == before and broker.orders == at_broker


@pytest.mark.parametrize("status", [Strategy.Status.HALTED, Strategy.Status.RETIRED])
def test_halted_strategy_sends_nothing(strategy, broker, status) -> None:  # noqa: ANN001
    Strategy.objects.filter(pk=strategy.pk).update(status=status)
    before = counts()
    with pytest.raises(TradingError, match=f"alpha is {status}"):
        order_submit(strategy, OrderRequest("o1", "AAA", "buy", D(1)), broker=broker, trade_date=D1)
    assert counts() == before and broker.orders == {}


def test_a_registered_gate_refuses_before_the_broker(strategy, broker) -> None:  # noqa: ANN001
    def no_big_orders(strategy: Strategy, request: OrderRequest) -> None:
        if request.quantity > 1000:
            raise TradingError("circuit breaker: order above 1000 shares")

    order_gate_register(no_big_orders)
    try:
        with pytest.raises(TradingError, match="circuit breaker"):
            order_submit(strategy, OrderRequest("o1", "AAA", "buy", D(5000)), broker=broker, trade_date=D1)
        assert broker.orders == {} and Order.objects.count() == 0
    finally:
        from quant.trading import services

        services._GATES.remove(no_big_orders)


def test_broker_rejection_is_recorded(strategy, prices) -> None:  # noqa: ANN001
    broker = PaperBroker(prices)  # no session yet: the paper broker cannot take the order
    with pytest.raises(TradingError, match="no session yet"):
        order_submit(strategy, OrderRequest("o1", "AAA", "buy", D(1)), broker=broker, trade_date=D1)
    order = Order.objects.get()
    assert order.status == "new"  # kept; re-submitting the same request sends it again
    broker.today = D1
    again = order_submit(strategy, OrderRequest("o1", "AAA", "buy", D(1)), broker=broker, trade_date=D1)
    assert again.pk == order.pk and again.status == "accepted"


def test_partial_fills_then_cancel_keeps_the_filled_part(strategy, prices) -> None:  # noqa: ANN001
    broker = PaperBroker(prices, max_volume_share="0.001", today=D1)  # 10 shares of AAA a day
    order = order_submit(strategy, OrderRequest("o1", "AAA", "buy", D(25), "market", None, "gtc"), broker=broker,
                         trade_date=D1)  # fmt: skip
    broker.process(D2)
    order = order_sync(order, broker)
    assert (order.status, order.filled_quantity, order.avg_fill_price) == ("partially_filled", D(10), D(102))
    assert list(orders_open(strategy)) == [order]
    order = order_cancel(order, broker=broker)
    assert (order.status, order.filled_quantity) == ("cancelled", D(10))
    assert Position.objects.get(symbol="AAA").quantity == D(10)
    assert not orders_open(strategy).exists()


def test_fill_apply_is_idempotent_by_broker_fill_id_and_checks_the_open_quantity(strategy, broker) -> None:  # noqa: ANN001
    order = order_submit(strategy, OrderRequest("o1", "BBB", "sell", D(4), "moc"), broker=broker, trade_date=D1)
    fill = BrokerFill("ext-1", D(3), D("50.25"), D("0.5"))
    assert fill_apply(order, fill, D1) is not None
    assert fill_apply(order, fill, D1) is None
    before = counts()
    with pytest.raises(TradingError, match="exceeds the 1 shares open"):
        fill_apply(order, BrokerFill("ext-2", D(2), D(50)), D1)
    assert counts() == before
    pos = Position.objects.get(symbol="BBB")
    assert (pos.quantity, pos.cost_basis, pos.realized_pnl) == (D(-3), D("-150.75"), D("-0.5"))
    assert [f.signed_quantity for f in fills_for(strategy, symbol="BBB")] == [D(-3)]


def test_capital_and_a_snapshot_with_numbers(strategy, broker, prices) -> None:  # noqa: ANN001
    capital_contribute(strategy, "10000", trade_date=D1)
    order_submit(strategy, OrderRequest("o1", "AAA", "buy", D(20), "moc"), broker=broker, trade_date=D1)
    order_submit(strategy, OrderRequest("o2", "BBB", "sell", D(10), "moc"), broker=broker, trade_date=D1)
    for order in Order.objects.all():
        broker.process(D1)
        order_sync(order, broker)
    s1 = snapshot_take(strategy, D1, prices)
    # AAA: 20 @ 101.101 (cost 2022.02), BBB: -10 @ 50.5 * (1 - 0.001) = 50.4495 (proceeds 504.495); fees 0.30
    cash = D(10000) - D("2022.02") + D("504.495") - D("0.3")
    assert (s1.cash, s1.long_value, s1.short_value) == (cash, D(2020), D(-505))
    assert s1.equity == cash + D(2020) - D(505) == D("9997.175")
    assert s1.realized_pnl == D("-0.3") and s1.unrealized_pnl == D("-2.02") + D("-0.505")
    assert s1.fees == D("0.3") and s1.contributed == D(10000)
    assert s1.daily_return == pytest.approx(float((D("9997.175") - 10000) / 10000), abs=0)
    assert s1.gross_exposure == round(D(2525) / D("9997.175"), 8) and s1.net_exposure == round(D(1515) / s1.equity, 8)
    capital_withdraw(strategy, "1000", trade_date=D2)
    s2 = snapshot_take(strategy, D2, {"AAA": D(104), "BBB": D(49)})
    equity2 = cash - 1000 + 20 * D(104) - 10 * D(49)
    assert s2.equity == equity2 and s2.contributed == D(9000)
    # flows at the start of the day: (E2 - F - E1) / (E1 + F) with F = -1000
    assert s2.daily_return == float((equity2 + 1000 - s1.equity) / (s1.equity - 1000))
    with pytest.raises(TradingError, match="no price for BBB"):
        snapshot_take(strategy, D3, {"AAA": D(1)})


def test_withdrawal_beyond_cash_and_bad_amounts_are_refused(strategy) -> None:  # noqa: ANN001
    capital_contribute(strategy, "100", trade_date=D1)
    for call, amount, message in [
        (capital_withdraw, "100.01", "holds 100"),
        (capital_contribute, "0", "positive"),
        (capital_contribute, "NaN", "finite"),
        (capital_contribute, "ten", "not a number"),
    ]:
        with pytest.raises(TradingError, match=message):
            call(strategy, amount, trade_date=D1)
    assert cash_balance(strategy) == D(100) and CashEntry.objects.count() == 1
