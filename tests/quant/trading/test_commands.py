"""trading_capital, trading_order and trading_snapshot through the paper broker's saved book."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from quant.trading.brokers import broker_for, broker_register, paper_broker_load, paper_broker_save
from quant.trading.models import CashEntry, Order, PnLSnapshot, Position
from quant.trading.paper import PaperBroker

from .conftest import D1

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(prices):  # noqa: ANN001, ANN201
    """What a higher floor does: register the paper broker with prices, built from the saved book."""
    from quant.trading import brokers

    saved = brokers._FACTORIES["paper"]
    broker_register("paper", lambda s: paper_broker_load(s, prices, slippage_bps=10), replace=True)
    yield prices
    broker_register("paper", saved, replace=True)


def test_capital_order_sync_snapshot_and_reconcile_from_the_command_line(strategy, paper, tmp_path, capsys) -> None:  # noqa: ANN001
    paper_broker_save(strategy, PaperBroker(paper, today=D1))  # the paper account is opened by the runner
    call_command("trading_capital", "--strategy", "alpha", "--contribute", "5000", "--date", "2024-03-04")
    out = capsys.readouterr().out
    assert (
        "contribution of 5000 dollars on 2024-03-04; alpha now holds 5000 dollars of cash (paper book updated)" in out
    )
    submit = ["trading_order", "submit", "--strategy", "alpha", "--symbol", "AAA", "--side", "buy", "--quantity", "10",
              "--type", "moc", "--date", "2024-03-04", "--client-order-id", "m1"]  # fmt: skip
    call_command(*submit)
    call_command(*submit)  # idempotent
    order = Order.objects.get(client_order_id="m1")
    assert (order.status, order.source) == ("accepted", "manual")
    broker = broker_for(strategy)  # the session closes: the driver (a higher floor) processes the day
    broker.process(D1)
    paper_broker_save(strategy, broker)
    call_command("trading_order", "sync", "--strategy", "alpha")
    order.refresh_from_db()
    assert (order.status, order.avg_fill_price) == ("filled", D("101.101"))  # close 101 + 10 bps
    assert Position.objects.get(symbol="AAA").quantity == D(10)
    closes = tmp_path / "closes.csv"
    closes.write_text("symbol,close\nAAA,101\n")
    call_command("trading_snapshot", "--strategy", "alpha", "--date", "2024-03-04", "--prices", str(closes))
    snap = PnLSnapshot.objects.get(date=D1)
    assert snap.equity == D(5000) - D("1011.01") + 10 * D(101)
    assert snap.daily_return == pytest.approx(-1.01 / 5000, rel=1e-12)
    call_command("trading_reconcile", "--strategy", "alpha")  # exit 0: no difference
    call_command("trading_order", "submit", "--strategy", "alpha", "--symbol", "AAA", "--side", "sell", "--quantity",
                 "4", "--type", "limit", "--limit-price", "200", "--tif", "gtc", "--date", "2024-03-05",
                 "--client-order-id", "m2")  # fmt: skip
    call_command("trading_order", "cancel", "--strategy", "alpha", "--client-order-id", "m2")
    assert Order.objects.get(client_order_id="m2").status == "cancelled"
    assert paper_broker_load(strategy, paper).order("m2").status == "cancelled"


def test_commands_refuse_bad_input_with_exit_2(strategy, tmp_path) -> None:  # noqa: ANN001
    cases = [
        (["trading_capital", "--strategy", "alpha", "--withdraw", "1", "--date", "2024-03-04"], "holds 0"),
        (["trading_capital", "--strategy", "nope", "--contribute", "1", "--date", "2024-03-04"], "no strategy"),
        (["trading_order", "submit", "--strategy", "alpha", "--symbol", "AAA", "--side", "buy", "--quantity", "x",
          "--date", "2024-03-04"], "quantity 'x' is not a number"),
        (["trading_order", "submit", "--strategy", "alpha", "--symbol", "ZZZ", "--side", "buy", "--quantity", "1",
          "--date", "2024-03-04"], "unknown symbol 'ZZZ'"),  # the core's paper factory knows no prices
        (["trading_order", "cancel", "--strategy", "alpha", "--client-order-id", "x"], "has no order x"),
        (["trading_snapshot", "--strategy", "alpha", "--date", "2024-03-04", "--prices", str(tmp_path / "no.csv")],
         "cannot read"),
    ]  # fmt: skip
    for argv, message in cases:
        with pytest.raises(CommandError, match=message) as info:
            call_command(*argv)
        assert info.value.returncode == 2, argv
    assert not (CashEntry.objects.exists() or Order.objects.exists())
