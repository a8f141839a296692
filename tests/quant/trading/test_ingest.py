"""The vectorised fills import equals the row-by-row ledger; bad files import nothing."""

from __future__ import annotations

import random
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from quant.trading.broker import BrokerFill, OrderRequest
from quant.trading.ingest import fills_ingest_frame
from quant.trading.models import CashEntry, Fill, Order, Position
from quant.trading.selectors import cash_balance
from quant.trading.services import TradingError, capital_contribute, fill_apply, order_submit

from .conftest import D1, D2

pytestmark = pytest.mark.django_db


class DeskBroker:
    name = "desk"

    def submit(self, order: OrderRequest):  # noqa: ANN201
        from quant.trading.broker import BrokerOrder

        return BrokerOrder(order.client_order_id, "", order.symbol, order.side, order.quantity, "accepted")


def random_fills(n: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        qty = D(rng.randint(1, 3_000_000_000)) / 10**8  # up to 30 shares, 8 decimals
        price = D(rng.randint(10**8, 5 * 10**10)) / 10**8
        fees = D(rng.randint(0, 10**8)) / 10**8
        out.append((D1 if i < n // 2 else D2, rng.choice("ABCD"), rng.choice(["buy", "sell"]), qty, price, fees))
    return out


def test_vectorised_import_equals_fill_apply_row_by_row(strategy, django_user_model) -> None:  # noqa: ANN001
    from quant.models import Strategy

    rows = random_fills(400, seed=11)
    other = Strategy.objects.create(name="rowwise", owner=strategy.owner, status="active")
    for s in (strategy, other):  # the same opening book: a long A, a short B
        capital_contribute(s, "100000", trade_date=D1)
        for coid, sym, side, q, p in [("pre-a", "A", "buy", "12.5", "40"), ("pre-b", "B", "sell", "3", "99.5")]:
            order = order_submit(s, OrderRequest(coid, sym, side, D(q)), broker=DeskBroker(), trade_date=D1)
            fill_apply(order, BrokerFill(f"x-{coid}", D(q), D(p), D("0.1")), D1)
    for i, (day, sym, side, q, p, f) in enumerate(rows):
        order = order_submit(other, OrderRequest(f"r{i}", sym, side, q), broker=DeskBroker(), trade_date=day)
        fill_apply(order, BrokerFill(f"r{i}", q, p, f), day)
    frame = pl.DataFrame(
        {"trade_date": [r[0] for r in rows], "symbol": [r[1] for r in rows], "side": [r[2] for r in rows],
         "quantity": [str(r[3]) for r in rows], "price": [str(r[4]) for r in rows], "fees": [str(r[5]) for r in rows]}
    )  # fmt: skip
    result = fills_ingest_frame(strategy, frame)
    assert (result.n_fills, result.n_symbols) == (400, 4)
    assert result.n_orders == len({(r[0], r[1], r[2]) for r in rows})
    bulk = {p.symbol: p for p in Position.objects.filter(strategy=strategy)}
    ref = {p.symbol: p for p in Position.objects.filter(strategy=other)}
    assert set(bulk) == set(ref) == set("ABCD")
    for sym in "ABCD":
        assert bulk[sym].quantity == ref[sym].quantity  # exact
        assert abs(bulk[sym].cost_basis - ref[sym].cost_basis) <= D("0.000001")
        assert abs(bulk[sym].realized_pnl - ref[sym].realized_pnl) <= D("0.000001")
        assert bulk[sym].realized_pnl - bulk[sym].cost_basis == ref[sym].realized_pnl - ref[sym].cost_basis  # exact
    assert cash_balance(strategy) == cash_balance(other)  # exact: same per-fill rounding
    assert Fill.objects.filter(strategy=strategy).count() == 402
    imported = Fill.objects.filter(strategy=strategy, venue="import").order_by("id")
    assert [(f.symbol, f.quantity, f.price, f.fees) for f in imported] == [(r[1], r[3], r[4], r[5]) for r in rows]
    assert all(o.status == "filled" and o.filled_quantity == o.quantity for o in Order.objects.filter(source="import"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fills.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2024-03-04,AAA,buy,10,100\n2024-03-04,AAA,buy,0,100\n", "line 3: quantity must be a number > 0"),
        ("2024-03-04,AAA,buy,10,NaN\n", "line 2: price must be a number > 0"),
        ("2024-03-04,AAA,buy,10,-1\n", "line 2: price must be"),
        ("2024-03-04,AAA,hold,10,1\n2024-13-01,AAA,buy,1,1\n", "line 2: side must be buy or sell (1 more bad line"),
        ("2024-03-04,AAA,buy,1.123456789,1\n", "line 2: quantity must be a number > 0 with <= 8 decimals"),
        ("2024-03-04,,buy,1,1\n", "line 2: symbol is empty"),
    ],
)
def test_bad_lines_are_named_and_nothing_is_imported(strategy, tmp_path, body, message) -> None:  # noqa: ANN001
    path = write(tmp_path, "trade_date,symbol,side,quantity,price\n" + body)
    with pytest.raises(CommandError, match=f"^{path}: {message}".replace("(", r"\(")) as info:
        call_command("trading_import_fills", str(path), "--strategy", "alpha")
    assert info.value.returncode == 2
    assert not any(m.objects.exists() for m in (Order, Fill, Position, CashEntry))


def test_reimporting_the_same_broker_fill_ids_is_refused(strategy, tmp_path) -> None:  # noqa: ANN001
    path = write(tmp_path, "trade_date,symbol,side,quantity,price,fees,broker_fill_id,client_order_id\n"
                           "2024-03-04,AAA,buy,10,100,1.5,x1,o1\n2024-03-04,AAA,buy,5,101,0,x2,o1\n"
                           "2024-03-05,AAA,sell,15,110,0,x3,\n")  # fmt: skip
    call_command("trading_import_fills", str(path), "--strategy", "alpha")
    order = Order.objects.get(client_order_id="o1")
    assert (order.quantity, order.avg_fill_price) == (D(15), D("100.33333333"))
    pos = Position.objects.get(symbol="AAA")
    # bought 1505 + 1.5 fee, sold 1650: realized 143.5, flat
    assert (pos.quantity, pos.cost_basis, pos.realized_pnl) == (D(0), D(0), D("143.5"))
    assert cash_balance(strategy) == D("143.5")
    again = pl.read_csv(path, infer_schema=False)
    with pytest.raises(TradingError, match="line 2: client_order_id o1 is already used by alpha"):
        fills_ingest_frame(strategy, again)
    with pytest.raises(TradingError, match="line 2: broker_fill_id x1 was imported before"):
        fills_ingest_frame(strategy, again.drop("client_order_id"))
    assert Fill.objects.count() == 3
