"""The circuit breaker: state in Redis and the database, the gate on every order path, the
one-reset-per-minute rule, the signals, and the automatic rules with real numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import numpy as np
import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from quant import events
from quant.models import Strategy
from quant.trading.breaker import (
    CACHE_KEY,
    BreakerResetRefused,
    breaker_history,
    breaker_reset,
    breaker_status,
    breaker_trip,
    closing_orders,
)
from quant.trading.breaker_rules import breaker_evaluate, daily_loss_pct, drawdown_pct, rules_check
from quant.trading.broker import OrderRequest
from quant.trading.config import TradingSettings, config_save
from quant.trading.models import Order, PnLSnapshot
from quant.trading.ops_models import BreakerEvent, CircuitBreaker
from quant.trading.paper import PaperBroker
from quant.trading.services import TradingError, capital_contribute, order_submit, order_sync

from .conftest import D1

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(prices) -> PaperBroker:  # noqa: ANN001
    return PaperBroker(prices, today=D1)


def test_trip_and_reset_are_recorded_in_the_database_and_redis_with_signals(django_user_model) -> None:
    ops = django_user_model.objects.create_user("ops")
    seen: list[tuple[str, str, str]] = []
    on_trip = lambda sender, **kw: seen.append(("trip", kw["by"], kw["reason"]))  # noqa: E731
    on_reset = lambda sender, **kw: seen.append(("reset", kw["by"], kw["reason"]))  # noqa: E731
    events.breaker_tripped.connect(on_trip)
    events.breaker_reset.connect(on_reset)
    try:
        assert breaker_status().tripped is False
        status = breaker_trip(reason="fat finger in AAA", by="ops", user=ops)
        again = breaker_trip(reason="second trip is a no-op", by="ops")
        assert status.tripped and again.reason == "fat finger in AAA"
        assert cache.get(CACHE_KEY)["tripped"] is True  # the Redis copy every gate reads
        assert CircuitBreaker.objects.get(pk=1).tripped
        breaker_reset(reason="checked with the desk", user=ops)
    finally:
        events.breaker_tripped.disconnect(on_trip)
        events.breaker_reset.disconnect(on_reset)
    assert seen == [("trip", "ops", "fat finger in AAA"), ("reset", "ops", "checked with the desk")]
    assert [(e.kind, e.by, e.reason) for e in reversed(breaker_history())] == [
        ("trip", "ops", "fat finger in AAA"), ("reset", "ops", "checked with the desk")
    ]  # fmt: skip
    assert breaker_status().tripped is False and cache.get(CACHE_KEY)["tripped"] is False


def test_a_flushed_redis_is_refilled_from_the_database() -> None:
    breaker_trip(reason="test", by="ops")
    cache.delete(CACHE_KEY)
    assert breaker_status().tripped is True
    assert cache.get(CACHE_KEY)["tripped"] is True


@override_settings(REDIS_URL="")
def test_embedded_mode_keeps_the_state_in_the_database_only() -> None:
    cache.delete(CACHE_KEY)
    breaker_trip(reason="embedded", by="ops")
    assert cache.get(CACHE_KEY) is None
    assert breaker_status().tripped is True and breaker_status().reason == "embedded"


def test_second_reset_within_a_minute_is_refused_with_the_wait(django_user_model) -> None:
    ops = django_user_model.objects.create_user("ops")
    breaker_trip(reason="one", by="ops")
    breaker_reset(reason="ok", user=ops)
    breaker_trip(reason="two", by="ops")
    with pytest.raises(BreakerResetRefused, match=r"at most one reset per minute\): try again in \d+ s"):
        breaker_reset(reason="again", user=ops)
    assert breaker_status().tripped is True
    CircuitBreaker.objects.filter(pk=1).update(last_reset_at=timezone.now() - dt.timedelta(seconds=61))
    breaker_reset(reason="a minute later", user=ops)
    assert breaker_status().tripped is False
    with pytest.raises(BreakerResetRefused, match="at most one reset per minute"):
        breaker_reset(reason="armed anyway", user=ops)
    assert BreakerEvent.objects.filter(kind="reset").count() == 2


@pytest.mark.parametrize("source", ["strategy", "manual", "api"])
def test_tripped_breaker_blocks_every_order_path_at_the_broker_boundary(strategy, broker, source) -> None:  # noqa: ANN001
    breaker_trip(reason="stop", by="ops")
    with pytest.raises(TradingError, match=r"circuit breaker is tripped \(stop, by ops\): order o1 not sent"):
        order_submit(strategy, OrderRequest("o1", "AAA", "buy", D(1), "moc"), broker=broker, trade_date=D1,
                     source=source)  # fmt: skip
    assert not Order.objects.exists() and broker.orders == {}


def test_closing_orders_pass_a_tripped_breaker(strategy, broker) -> None:  # noqa: ANN001
    capital_contribute(strategy, "10000", trade_date=D1, broker=broker)
    order_sync(order_submit(strategy, OrderRequest("b", "AAA", "buy", D(10), "moc"), broker=broker, trade_date=D1),
               broker)  # fmt: skip
    breaker_trip(reason="stop", by="ops")
    with closing_orders():
        order = order_submit(strategy, OrderRequest("s", "AAA", "sell", D(10), "moc"), broker=broker, trade_date=D1)
    broker.process(D1)
    assert order_sync(order, broker).status == "filled"


def test_pure_measures_match_numpy() -> None:
    rng = np.random.default_rng(7)
    returns = rng.normal(0.0, 0.02, 300)
    wealth = np.cumprod(1 + returns)
    reference = (1 - wealth[-1] / max(1.0, wealth.max())) * 100
    assert drawdown_pct(list(returns)) == pytest.approx(reference, rel=1e-12)
    assert drawdown_pct([0.1, -0.5]) == pytest.approx(50.0)  # 1.1 -> 0.55
    assert daily_loss_pct([0.01, -0.063]) == pytest.approx(6.3)
    assert daily_loss_pct([0.02]) == 0.0 and daily_loss_pct([]) == 0.0


def _snapshots(strategy: Strategy, returns: list[float]) -> None:
    for i, r in enumerate(returns):
        PnLSnapshot.objects.create(strategy=strategy, date=D1 + dt.timedelta(days=i), equity=D(1000), cash=D(1000),
                                   daily_return=r)  # fmt: skip


def test_daily_loss_and_drawdown_rules_trip_at_their_limits(strategy) -> None:  # noqa: ANN001
    _snapshots(strategy, [0.05, -0.04, -0.03])  # wealth 1.05, 1.008, 0.97776: drawdown 6.88 %
    assert rules_check() == []  # both limits off by default
    config_save(values=TradingSettings(max_daily_loss_pct=3.5, max_drawdown_pct=7.0), user=None, reason="limits")
    assert rules_check() == []  # 3 % < 3.5 %, 6.88 % < 7 %
    config_save(values=TradingSettings(max_daily_loss_pct=2.5, max_drawdown_pct=6.5), user=None, reason="tighter")
    trips = rules_check()
    assert [t.rule for t in trips] == ["daily_loss", "drawdown"]
    assert trips[0].reason == "alpha lost 3.00% in a day (limit 2.5%)"
    assert trips[1].reason == "alpha is 6.88% below its peak (limit 6.5%)"
    status = breaker_evaluate()
    assert (status.tripped, status.rule, status.by) == (True, "daily_loss", "rule:daily_loss")
    Strategy.objects.filter(pk=strategy.pk).update(status=Strategy.Status.HALTED)
    assert rules_check() == []  # a halted strategy trades no more: its losses do not trip


def test_reject_storm_trips_on_every_fill_evaluation(strategy, broker) -> None:  # noqa: ANN001
    config_save(values=TradingSettings(reject_storm_count=3, reject_storm_minutes=5), user=None, reason="storm")
    for i in range(3):  # what order_submit records when the broker rejects
        Order.objects.create(strategy=strategy, client_order_id=f"r{i}", symbol="AAA", side="buy", quantity=D(1),
                             status="rejected", reject_reason="insufficient buying power", trade_date=D1)  # fmt: skip
    assert breaker_status().tripped is False  # no fill yet: the beat job (or the next fill) evaluates
    capital_contribute(strategy, "10000", trade_date=D1, broker=broker)
    order = order_submit(strategy, OrderRequest("f", "AAA", "buy", D(1), "moc"), broker=broker, trade_date=D1)
    broker.process(D1)
    order_sync(order, broker)  # the fill hook evaluates the rules
    status = breaker_status()
    assert (status.tripped, status.rule) == (True, "reject_storm")
    assert status.reason == "3 orders rejected in 5 min (limit 3)"
    Order.objects.filter(status="rejected").update(updated_at=timezone.now() - dt.timedelta(minutes=6))
    assert rules_check() == []  # outside the window


def test_stale_data_rule_only_in_trading_hours() -> None:
    from quant.trading import breaker_rules

    breaker_rules._MARKET_DATA.insert(0, lambda: dt.date(2026, 12, 1))
    try:
        config_save(values=TradingSettings(stale_data_days=2, timezone="UTC"), user=None, reason="stale")
        friday_noon = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)  # 3 days after the last data
        assert [t.reason for t in rules_check(now=friday_noon)] == [
            "market data last dated 2026-12-01 (3 days old); limit 2 days"
        ]
        assert rules_check(now=friday_noon.replace(hour=20)) == []  # after the close
        assert rules_check(now=dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)) == []  # Saturday
    finally:
        breaker_rules._MARKET_DATA.pop(0)


def test_command_trips_shows_and_refuses_an_empty_reason() -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("trading_breaker", "trip", "--reason", "broker outage", stdout=out)
    text = out.getvalue()
    assert text.startswith("circuit breaker: tripped since ") and "broker outage (by shell)" in text
    assert "rules (trading config v0): none firing" in text and " trip  shell: broker outage" in text
    with pytest.raises(CommandError, match="write why the breaker is tripped") as err:
        call_command("trading_breaker", "trip", "--reason", " ")
    assert err.value.returncode == 2


def test_health_card_is_bad_while_tripped() -> None:
    from quant.trading.ops import breaker_check

    assert breaker_check().status == "ok"
    breaker_trip(reason="broker outage", by="ops")
    result = breaker_check()
    assert (result.status, result.summary) == ("bad", "Tripped: no new order leaves the platform (broker outage)")
    assert result.details["by"] == "ops"


def test_a_trip_rolled_back_with_its_transaction_is_repaired_by_a_reset(django_user_model) -> None:
    from django.db import transaction

    ops = django_user_model.objects.create_user("ops")
    with pytest.raises(RuntimeError), transaction.atomic():  # e.g. a strategy day that failed after a fill
        breaker_trip(reason="rule fired in a failed day", by="rule:drawdown", rule="drawdown")
        raise RuntimeError("the day failed")
    assert breaker_status().tripped is True  # the Redis copy errs on the safe side
    with pytest.raises(BreakerResetRefused, match="already armed"):
        breaker_reset(reason="stale copy", user=ops)
    assert breaker_status().tripped is False and not BreakerEvent.objects.exists()
