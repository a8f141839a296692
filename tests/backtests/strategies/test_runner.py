"""paper_run, the daily strategy job, halted strategies and the config page on a demo warehouse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from backtests.configs import BacktestConfig
from backtests.models import StrategyConfig
from backtests.services.strategy_runs import strategies_run_due
from quant.models import Job, Strategy
from quant.trading.models import Order, PnLSnapshot

pytestmark = pytest.mark.django_db
START, END = dt.date(2024, 2, 26), dt.date(2024, 3, 6)  # crosses the February rebalance (2024-02-29)


def configured(name: str, user, status: str = Strategy.Status.ACTIVE) -> Strategy:  # noqa: ANN001
    strategy = Strategy.objects.create(name=name, owner=user, status=status)
    config = BacktestConfig(signal="momentum", start=START, end=END, construction="long_only_top_n", top_n=10)
    StrategyConfig.objects.create(strategy=strategy, config=config.as_json_dict(), capital=Decimal(100_000))
    return strategy


def test_paper_run_replays_once_and_explains_bad_input(demo_dirs, django_user_model, capsys) -> None:  # noqa: ANN001
    user = django_user_model.objects.create(username="pm")
    strategy = configured("mom10", user)
    with override_settings(**demo_dirs):
        call_command("paper_run", strategy="mom10", start=str(START), end=str(END), no_progress=True)
        orders = list(Order.objects.filter(strategy=strategy).values_list("client_order_id", flat=True))
        call_command("paper_run", strategy="mom10", start=str(START), end=str(END), no_progress=True)
        for bad, match in (({"strategy": "nope"}, "no strategy named"), ({"start": "2024-13-01"}, "not a date"),
                           ({"start": str(END), "end": str(START)}, "after end")):  # fmt: skip
            args = {"strategy": "mom10", "start": str(START), "end": str(END), "no_progress": True, **bad}
            with pytest.raises(CommandError, match=match) as err:
                call_command("paper_run", **args)
            assert err.value.returncode == 2
    out = capsys.readouterr().out
    assert "8 sessions run" in out and "0 sessions run, 8 already done" in out
    assert len(orders) == 10 and all(o.startswith(f"s{strategy.pk}-20240229-") for o in orders)
    assert Order.objects.filter(strategy=strategy).count() == 10
    assert PnLSnapshot.objects.filter(strategy=strategy).count() == 8


def test_daily_job_is_one_per_strategy_and_date_and_halted_strategies_send_nothing(
    demo_dirs, django_user_model
) -> None:  # noqa: ANN001
    user = django_user_model.objects.create(username="ops")
    active = configured("active10", user)
    halted = configured("halted10", user)
    with override_settings(**demo_dirs):
        call_command("paper_run", strategy="halted10", start=str(START), end="2024-02-28", no_progress=True)
        Strategy.objects.filter(pk=halted.pk).update(status=Strategy.Status.HALTED)
        first = strategies_run_due(as_of=dt.date(2024, 2, 29))
        again = strategies_run_due(as_of=dt.date(2024, 2, 29))
        call_command("paper_run", strategy="halted10", start="2024-02-29", end=str(END), no_progress=True)
    assert [o.status for o in first] == [Job.Status.SUCCEEDED] and again[0].status == Job.Status.SUCCEEDED
    assert Job.objects.filter(kind="strategy_run").count() == 1
    assert Order.objects.filter(strategy=active).count() == 10
    assert PnLSnapshot.objects.filter(strategy=active, date=dt.date(2024, 2, 29)).exists()
    assert not Order.objects.filter(strategy=halted).exists()
    assert PnLSnapshot.objects.filter(strategy=halted).count() == 8  # the book is still marked every day


def test_config_page_shows_what_runs_and_going_live_needs_an_admin(client, django_user_model) -> None:  # noqa: ANN001
    from guardian.shortcuts import assign_perm

    from tests.factories import UserFactory

    user = UserFactory(username="viewer", role="viewer")  # deny by default: the page needs a role
    strategy = configured("shown", user)
    assign_perm("quant.view_strategy", user, strategy)
    client.force_login(user)
    page = client.get(f"/backtests/strategies/{strategy.pk}/config/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "momentum" in body and "100,000.00 dollars" in body
    assert "Enable live trading" not in body
    assert client.post(f"/backtests/strategies/{strategy.pk}/live/").status_code == 403
    assert StrategyConfig.objects.get(strategy=strategy).broker == "paper"


def test_live_trading_needs_an_admin_and_a_reason(django_user_model) -> None:  # noqa: ANN001
    from backtests.services.strategy_runs import strategy_live_enable

    pm = django_user_model.objects.create(username="pm-live")
    admin = django_user_model.objects.create(username="admin-live", is_superuser=True)
    run_config = StrategyConfig.objects.get(strategy=configured("golive", pm))
    with pytest.raises(PermissionError):
        strategy_live_enable(run_config=run_config, user=pm, reason="because")
    with pytest.raises(ValueError, match="write why"):
        strategy_live_enable(run_config=run_config, user=admin, reason="  ")
    reason = "approved by the risk committee"
    strategy_live_enable(run_config=run_config, user=admin, reason=reason)
    stored = StrategyConfig.objects.get(pk=run_config.pk)
    assert (stored.broker, stored.live_enabled_by, stored.live_reason) == ("live", admin, reason)


def test_quickstart_registers_the_demo_strategies_after_the_example_backtest() -> None:
    from backtests import quickstart
    from quant.quickstart import collect_steps

    orders = {step.run: step.order for step in collect_steps()}
    assert orders[quickstart.run_demo_strategies] == 45 > orders[quickstart.queue_example_backtest]
