"""Reconciliation of the ledger with the broker's book: service, job and command."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from quant.models import Job
from quant.trading.broker import OrderRequest
from quant.trading.brokers import paper_broker_load, paper_broker_save
from quant.trading.models import BrokerState, CashEntry, Order, Position
from quant.trading.paper import PaperBroker
from quant.trading.reconcile import reconcile
from quant.trading.services import capital_contribute, order_submit, order_sync

from .conftest import D1, D2

pytestmark = pytest.mark.django_db


def trade(strategy, prices) -> PaperBroker:  # noqa: ANN001
    broker = PaperBroker(prices, commission_per_share="0.01", today=D1, cash="5000")
    capital_contribute(strategy, "5000", trade_date=D1)
    for req in (OrderRequest("a", "AAA", "buy", D(10), "moc"), OrderRequest("b", "BBB", "sell", D("2.5"), "moc")):
        order_submit(strategy, req, broker=broker, trade_date=D1)
    broker.process(D1)
    for order in Order.objects.filter(strategy=strategy):
        order_sync(order, broker)
    return broker


def test_a_book_that_followed_the_broker_has_no_difference(strategy, prices) -> None:  # noqa: ANN001
    broker = trade(strategy, prices)
    assert reconcile(strategy, broker) == []


def test_every_difference_is_listed(strategy, prices) -> None:  # noqa: ANN001
    broker = trade(strategy, prices)
    order_submit(strategy, OrderRequest("c", "AAA", "sell", D(4), "market"), broker=broker, trade_date=D1)
    broker.process(D2)  # the broker filled 4 AAA at the open; the ledger has not synced yet
    Position.objects.filter(strategy=strategy, symbol="BBB").update(quantity=D("-2"))  # a bad manual edit
    diffs = reconcile(strategy, broker)
    assert [(d.kind, d.symbol, d.local, d.broker) for d in diffs] == [
        ("position", "AAA", D(10), D(6)),
        ("position", "BBB", D("-2"), D("-2.5")),
        ("cash", "", D("4116.125"), D("4524.085")),  # 5000 - 10*101 + 2.5*50.5 - 0.125; + 4*102 - 0.04 at the broker
    ]
    assert str(diffs[0]) == "AAA: local 10.00000000 shares, broker 6 shares (broker - local = -4.00000000)"


def test_command_runs_a_job_prints_differences_and_exits_1(strategy, prices, capsys) -> None:  # noqa: ANN001
    broker = trade(strategy, prices)
    paper_broker_save(strategy, broker)
    assert paper_broker_load(strategy, prices).dump() == broker.dump()
    call_command("trading_reconcile", "--strategy", "alpha")
    assert "0 difference(s) between alpha and broker paper" in capsys.readouterr().out
    CashEntry.objects.create(strategy=strategy, kind="adjustment", amount=D("-1.5"), trade_date=D2)
    with pytest.raises(CommandError) as info:
        call_command("trading_reconcile", "--strategy", "alpha")
    assert info.value.returncode == 1
    out = capsys.readouterr().out
    assert "cash: local" in out and "(broker - local = 1.5" in out
    job = Job.objects.filter(kind="trading_reconcile").latest("id")
    assert job.status == "succeeded" and "cash: local" in job.log and job.message.startswith("1 difference(s)")


def test_command_refuses_unknown_strategy_and_unknown_broker(strategy) -> None:  # noqa: ANN001
    with pytest.raises(CommandError, match="no strategy 'nope'") as info:
        call_command("trading_reconcile", "--strategy", "nope")
    assert info.value.returncode == 2
    with pytest.raises(CommandError, match="no broker 'ib' is registered") as info:
        call_command("trading_reconcile", "--strategy", "alpha", "--broker", "ib")
    assert info.value.returncode == 2
    assert not BrokerState.objects.exists()


def test_reconcile_task_runs_the_queued_job(strategy, prices) -> None:  # noqa: ANN001
    from quant.tasks import trading_reconcile_task
    from quant.trading.reconcile import reconcile_job_create

    paper_broker_save(strategy, trade(strategy, prices))
    job = reconcile_job_create(strategy)
    assert trading_reconcile_task.apply(kwargs={"job_id": job.pk}).get() == "succeeded"
    job.refresh_from_db()
    assert job.message == "0 difference(s) between alpha and broker paper"


def test_admin_shows_trading_rows_read_only(strategy, prices, client) -> None:  # noqa: ANN001
    from tests.factories import TOTPDeviceFactory, UserFactory
    from tests.support.otp import login_verified

    admin_client = login_verified(client, TOTPDeviceFactory(user=UserFactory(is_staff=True, is_superuser=True)))
    paper_broker_save(strategy, trade(strategy, prices))
    for model in ("order", "fill", "position", "cashentry", "pnlsnapshot", "brokerstate"):
        assert admin_client.get(f"/admin/quant/{model}/").status_code == 200, model
        assert admin_client.get(f"/admin/quant/{model}/add/").status_code == 403, model
    order = Order.objects.first()
    page = admin_client.get(f"/admin/quant/order/{order.pk}/change/")
    assert page.status_code == 200 and b"View order" in page.content and b'name="_save"' not in page.content
