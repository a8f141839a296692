"""Property test on PostgreSQL: random order flows keep the accounting identities exact.

Quantities have 4 decimals and prices 4, so every traded amount is exact at the stored 8 decimals
and the reference below is plain exact arithmetic, independent of the ledger's rounding rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from quant.models import Strategy
from quant.trading.broker import BrokerFill, BrokerOrder, OrderRequest
from quant.trading.models import Position
from quant.trading.selectors import book_value, signed_fill_totals
from quant.trading.services import capital_contribute, fill_apply, order_cancel, order_submit
from tests.support import services

DAY = dt.date(2024, 1, 2)
SYMBOLS = ("AAA", "BBB", "CCC")
units = st.integers(min_value=1, max_value=80_000).map(lambda n: D(n) / 10_000)  # 0.0001 .. 8 shares
prices = st.integers(min_value=1_000, max_value=3_000_000).map(lambda n: D(n) / 10_000)  # 0.1 .. 300 dollars
fees = st.integers(min_value=0, max_value=300).map(lambda n: D(n) / 100)

order_ops = st.tuples(
    st.just("order"), st.sampled_from(SYMBOLS), st.sampled_from(["buy", "sell"]), units,
    st.lists(st.tuples(st.integers(1, 5), prices, fees), min_size=0, max_size=3), st.booleans(),
)  # fmt: skip
move_ops = st.tuples(st.just("move"), st.sampled_from(SYMBOLS), prices)
capital_ops = st.tuples(st.just("capital"), st.integers(1, 5_000).map(D))
flows = st.lists(st.one_of(order_ops, order_ops, move_ops, capital_ops), min_size=1, max_size=20)


class DeskBroker:
    """Accepts every order; the test decides the fills and applies them itself."""

    name = "desk"

    def _view(self, coid: str, status: str) -> BrokerOrder:
        return BrokerOrder(coid, f"desk-{coid}", "", "", D(0), status)

    def submit(self, order: OrderRequest) -> BrokerOrder:
        return self._view(order.client_order_id, "accepted")

    def cancel(self, client_order_id: str) -> BrokerOrder:
        return self._view(client_order_id, "cancelled")


def pieces(total: D, weights: list[int]) -> list[D]:
    """Split ``total`` (4 dp) into parts proportional to ``weights``, each a positive 4-dp number."""
    ticks = int(total * 10_000)
    cuts = sorted({max(1, min(ticks, ticks * sum(weights[: i + 1]) // sum(weights))) for i in range(len(weights))})
    out, prev = [], 0
    for cut in cuts:
        if cut > prev:
            out.append(D(cut - prev) / 10_000)
            prev = cut
    return out


@pytest.mark.postgres
class AccountingIdentities(TestCase):
    def setUp(self) -> None:
        services.require_postgres()
        assert connection.vendor == "postgresql"

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(flows)
    def test_random_flows_keep_the_identities(self, ops: list[tuple]) -> None:  # type: ignore[type-arg]
        owner = get_user_model().objects.create_user(f"u{Strategy.objects.count()}")
        strategy = Strategy.objects.create(name=f"s{owner.pk}", owner=owner, status="active")
        broker, marks = DeskBroker(), dict.fromkeys(SYMBOLS, D(100))
        ref_cash, contributed = D(0), D(0)
        ref_qty, ref_flow = dict.fromkeys(SYMBOLS, D(0)), dict.fromkeys(SYMBOLS, D(0))
        for n, op in enumerate(ops):
            if op[0] == "capital":
                capital_contribute(strategy, op[1], trade_date=DAY)
                ref_cash, contributed = ref_cash + op[1], contributed + op[1]
            elif op[0] == "move":
                marks[op[1]] = op[2]
            else:
                _, symbol, side, qty, fills, cancel = op
                order = order_submit(strategy, OrderRequest(f"o{n}", symbol, side, qty), broker=broker, trade_date=DAY)
                sign = 1 if side == "buy" else -1
                parts = pieces(qty, [w for w, _, _ in fills]) if fills else []
                for i, (part, (_, price, fee)) in enumerate(zip(parts, fills, strict=False)):
                    fill_apply(order, BrokerFill(f"f{n}-{i}", part, price, fee), DAY)
                    ref_cash -= sign * part * price + fee
                    ref_flow[symbol] -= sign * part * price + fee
                    ref_qty[symbol] += sign * part
                    marks[symbol] = price
                if cancel:
                    order_cancel(order, broker=broker)
            self._check(strategy, marks, ref_cash, ref_qty, ref_flow, contributed)

    def _check(self, strategy, marks, ref_cash, ref_qty, ref_flow, contributed) -> None:  # noqa: ANN001
        book = book_value(strategy, marks)
        equity = ref_cash + sum(ref_qty[s] * marks[s] for s in SYMBOLS)
        assert book.cash == ref_cash
        assert book.equity == equity  # cash + sum(qty * price) == equity
        assert book.realized + book.unrealized == equity - contributed
        assert book.contributed == contributed
        positions = {p.symbol: p for p in Position.objects.filter(strategy=strategy)}
        fills = signed_fill_totals(strategy)
        for s in SYMBOLS:
            qty = positions[s].quantity if s in positions else D(0)
            assert qty == ref_qty[s] == fills.get(s, D(0))  # position == sum of signed fills
            if s in positions and qty == 0:  # flat: realized is exactly the symbol's cash flows
                assert positions[s].cost_basis == 0 and positions[s].realized_pnl == ref_flow[s]
