"""Manual trade controls on a saved paper book: exact flatten preview, once-only execution,
before/after state, and the breaker letting risk-reducing orders out."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from quant.trading.breaker import breaker_trip
from quant.trading.brokers import paper_broker_load
from quant.trading.controls import (
    control_adjust,
    control_cancel_order,
    control_cancel_symbol,
    control_close_position,
    control_flatten,
    describe,
    flatten_plan,
)
from quant.trading.errors import TradingError
from quant.trading.models import Order, Position
from quant.trading.ops_models import ControlAction
from tests.support.paper_book import PRICES, paper_prices, seed_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(strategy):  # noqa: ANN001, ANN201
    with paper_prices():
        seed_book(strategy)
        yield strategy


def _positions(strategy) -> dict[str, tuple[D, D]]:  # noqa: ANN001
    return {p.symbol: (p.quantity, p.realized_pnl) for p in Position.objects.filter(strategy=strategy)}


def test_flatten_preview_lists_exact_orders_and_sends_nothing(book) -> None:  # noqa: ANN001
    before = Order.objects.count()
    plan = flatten_plan([book])
    rows = [(o.symbol, o.side, o.quantity, o.price, o.value, o.cost) for o in plan.orders]
    # D2 closes: AAA 104, BBB 49; default costs 5 bps of value
    assert rows == [("AAA", "sell", D(10), D(104), D(1040), D("0.52")), ("BBB", "buy", D(4), D(49), D(196), D("0.098"))]
    assert (plan.total_value, plan.total_cost, plan.cancels, plan.unpriced) == (D(1236), D("0.618"), 1, 0)
    assert Order.objects.count() == before


def test_flatten_cancels_closes_fills_and_acts_once_even_while_tripped(book, django_user_model) -> None:  # noqa: ANN001
    ops = django_user_model.objects.create_user("ops")
    breaker_trip(reason="desk stop", by="ops")
    first = control_flatten(strategies=[book], user=ops, reason="end of test", key="k1")
    again = control_flatten(strategies=[book], user=ops, reason="end of test", key="k1")
    assert (first.repeated, again.repeated) == (False, True)
    assert first.action.message == "alpha: 2 closing orders sent, 2 filled"
    manual = Order.objects.filter(strategy=book, source="manual").order_by("symbol")
    assert [(o.symbol, o.side, o.quantity, o.status, o.avg_fill_price) for o in manual] == [
        ("AAA", "sell", D(10), "filled", D(104)), ("BBB", "buy", D(4), "filled", D(49))
    ]  # fmt: skip
    assert Order.objects.get(client_order_id="lim-aaa").status == "cancelled"
    # realized: AAA 10 x (104 - 101) = 30; BBB short 4 x (50.5 - 49) = 6
    assert _positions(book) == {"AAA": (D(0), D(30)), "BBB": (D(0), D(6))}
    saved = paper_broker_load(book, PRICES)
    assert saved.positions() == [] and saved.orders["lim-aaa"].status == "cancelled"
    row = ControlAction.objects.get(key="k1")
    assert describe(row.before) == "alpha: AAA 10 sh (cost $1010), BBB -4 sh (cost $-202); 1 open order"
    assert describe(row.after) == "alpha: no positions; 0 open orders"


def test_close_cancel_and_adjust(book, django_user_model) -> None:  # noqa: ANN001
    ops = django_user_model.objects.create_user("ops")
    order = Order.objects.get(client_order_id="lim-aaa")
    done = control_cancel_order(order=order, user=ops, reason="stale limit", key="c1")
    assert done.action.message == "order lim-aaa: cancelled"
    with pytest.raises(TradingError, match="alpha has no open orders in AAA"):
        control_cancel_symbol(strategy=book, symbol="AAA", user=ops, reason="none left", key="c2")
    closed = control_close_position(strategy=book, symbol="BBB", user=ops, reason="cover", key="c3")
    assert closed.action.message == "1 closing order sent, 1 filled"
    assert _positions(book)["BBB"] == (D(0), D(6)) and _positions(book)["AAA"] == (D(10), D(0))
    adjusted = control_adjust(strategy=book, symbol="AAA", quantity=D(12), cost_basis=D(1250), user=ops,
                              reason="broker shows 12", key="c4")  # fmt: skip
    position = Position.objects.get(strategy=book, symbol="AAA")
    assert (position.quantity, position.cost_basis, position.avg_cost) == (D(12), D(1250), D("104.16666667"))
    assert adjusted.action.before["positions"]["AAA"] == {"shares": "10", "cost": "1010"}
    assert adjusted.action.after["positions"]["AAA"] == {"shares": "12", "cost": "1250"}
    with pytest.raises(TradingError, match="cost must have the sign of the quantity"):
        control_adjust(strategy=book, symbol="AAA", quantity=D(5), cost_basis=D(-1), user=ops, reason="x", key="c5")
    with pytest.raises(TradingError, match="write why"):
        control_close_position(strategy=book, symbol="AAA", user=ops, reason=" ", key="c6")


def test_flatten_all_covers_only_the_strategies_the_operator_may_trade(django_user_model) -> None:
    from guardian.shortcuts import assign_perm

    from quant.models import Strategy
    from quant.trading.ops_selectors import strategies_tradable

    ops = django_user_model.objects.create_user("ops")
    with paper_prices():
        mine, other = (Strategy.objects.create(name=n, owner=ops, status="active") for n in ("mine", "other"))
        seed_book(mine)
        seed_book(other)
        for perm in ("quant.view_strategy", "quant.trade_strategy"):
            assign_perm(perm, ops, mine)
        assign_perm("quant.view_strategy", ops, other)  # may see it, not trade it
        scope = list(strategies_tradable(ops))
        assert scope == [mine]
        plan = flatten_plan(scope)
        assert [(o.strategy.name, o.symbol) for o in plan.orders] == [("mine", "AAA"), ("mine", "BBB")]
        outcome = control_flatten(strategies=scope, user=ops, reason="all of mine", key="all-1")
    assert outcome.action.target == "mine" and outcome.action.message == "mine: 2 closing orders sent, 2 filled"
    assert _positions(mine) == {"AAA": (D(0), D(30)), "BBB": (D(0), D(6))}
    assert _positions(other) == {"AAA": (D(10), D(0)), "BBB": (D(-4), D(0))}


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_of_one_form_act_once(django_user_model) -> None:
    import threading

    from django.db import connection

    from quant.models import Strategy

    ops = django_user_model.objects.create_user("ops")
    with paper_prices():
        strategy = Strategy.objects.create(name="race", owner=ops, status="active")
        seed_book(strategy)
        barrier, outcomes = threading.Barrier(2), []

        def submit() -> None:
            try:
                barrier.wait()
                outcomes.append(control_flatten(strategies=[strategy], user=ops, reason="two clicks", key="race-1"))
            finally:
                connection.close()

        threads = [threading.Thread(target=submit) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(o.repeated for o in outcomes) == [False, True]
    assert Order.objects.filter(strategy=strategy, source="manual").count() == 2
    assert ControlAction.objects.filter(key="race-1").count() == 1
