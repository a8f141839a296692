"""The execution-quality page of a strategy: shortfall numbers of a worked order, the drill-down,
full page vs fragment, object permissions, and the empty states."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from quant.models import Fill, Order
from quant.trading.broker import Bar
from tests.factories import StrategyFactory, UserFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
DAY = dt.date(2024, 3, 5)


class Prices:
    """Daily bars of one symbol: previous close $100, then open $101 and close $102 on ``DAY``."""

    def bar(self, symbol: str, date: dt.date) -> Bar | None:
        p = Decimal(101), Decimal(102)
        return Bar(open=p[0], high=p[1], low=p[0], close=p[1], volume=Decimal(1e6)) if date == DAY else None

    def last_bar(self, symbol: str, date: dt.date) -> Bar | None:
        p = Decimal(100)
        return Bar(open=p, high=p, low=p, close=p, volume=Decimal(1e6)) if date < DAY else self.bar(symbol, date)


@pytest.fixture
def priced(monkeypatch):  # noqa: ANN001, ANN201
    from backtests.services import execution_pages
    from backtests.views import execution

    cache.clear()
    for module in (execution, execution_pages):
        monkeypatch.setattr(module, "warehouse_prices", lambda end: Prices())
        monkeypatch.setattr(module, "data_range", lambda source: type("R", (), {"last": DAY})())


def _order(strategy, *, filled: int = 60) -> Order:  # noqa: ANN001
    # buy 100 decided at $100 (previous close), trading starts at $101, 60 filled at $101.50, 40 cancelled
    # at the $102 close, $1 fees: delay 60 x 1 = $60, execution 60 x 0.5 = $30, opportunity 40 x 2 = $80,
    # fees $1 -> $171 = 171 bps of the $10,000 paper portfolio
    order = Order.objects.create(strategy=strategy, client_order_id="o-1", symbol="10001", side="buy",
                                 quantity=Decimal(100), status="cancelled", filled_quantity=Decimal(filled),
                                 avg_fill_price=Decimal("101.5"), trade_date=DAY)  # fmt: skip
    Fill.objects.create(order=order, strategy=strategy, symbol="10001", side="buy", quantity=Decimal(filled),
                        price=Decimal("101.5"), fees=Decimal(1), trade_date=DAY,
                        filled_at=dt.datetime(2024, 3, 5, 15, 0, tzinfo=dt.UTC))  # fmt: skip
    return order


def _client(strategy) -> Client:  # noqa: ANN001
    user = UserFactory(role="viewer")
    assign_perm("view_strategy", user, strategy)
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_worked_shortfall(priced):
    strategy = StrategyFactory(name="Paper exec")
    _order(strategy)
    body = _client(strategy).get(reverse("backtests:execution", args=[strategy.pk])).content.decode()
    assert "<!doctype html>" in body.lower()
    assert "171.00 bps" in body  # total
    assert "60.00 bps" in body and "30.00 bps" in body and "80.00 bps" in body and "1.00 bps" in body
    assert "$10,000" in body  # paper value
    assert 'data-exec-chart="components"' in body


def test_the_fragment_and_the_drill_down(priced):
    strategy = StrategyFactory(name="Paper exec")
    order = _order(strategy)
    client = _client(strategy)
    fragment = client.get(reverse("backtests:execution", args=[strategy.pk]), headers=HX).content.decode()
    assert fragment.lstrip().startswith('<section id="backtests-execution"')
    url = reverse("backtests:execution_order", args=[strategy.pk, order.pk])
    drill = client.get(url, headers=HX).content.decode()
    assert drill.lstrip().startswith('<article class="card bt-scroll" id="backtests-execution-order"')
    assert "+$171.00" in drill and "171.00" in drill
    # slippage of the $101.50 average against the open ($101): 0.5 / 101 = 49.50 bps worse
    assert "49.50" in drill
    assert "no TAQ bars for 10001" in drill
    full = client.get(url).content.decode()
    assert "<!doctype html>" in full.lower() and "Execution quality · Paper exec" in full


def test_a_strategy_the_user_cannot_see_is_404(priced):
    mine, other = StrategyFactory(name="Mine"), StrategyFactory(name="Other")
    order = _order(other)
    client = _client(mine)
    assert client.get(reverse("backtests:execution", args=[other.pk])).status_code == 404
    assert client.get(reverse("backtests:execution_order", args=[other.pk, order.pk])).status_code == 404
    assert client.get(reverse("backtests:execution_order", args=[mine.pk, order.pk])).status_code == 404


def test_empty_states_name_what_to_run(priced):
    strategy = StrategyFactory(name="Fresh")
    body = _client(strategy).get(reverse("backtests:execution", args=[strategy.pk])).content.decode()
    assert "No orders to measure yet" in body and "paper_run" in body
    assert "No intraday profiles" in body and "taq_build --demo" in body


def test_timing_table_from_taq_intraday(priced, monkeypatch):
    from backtests.services import execution_pages

    intraday = pl.DataFrame({
        "symbol": ["AAA", "AAA"], "date": [DAY, DAY], "bucket": ["09:30", "15:30"], "volume": [1e5, 2e5],
        "volume_share": [0.05, 0.10], "abs_ret": [0.001, 0.001], "rel_spread": [0.002, 0.001], "depth": [1.0, 1.0],
    })  # fmt: skip
    monkeypatch.setattr(execution_pages, "taq_rows", lambda dataset, symbol=None: intraday)
    strategy = StrategyFactory(name="Timing")
    body = _client(strategy).get(reverse("backtests:execution", args=[strategy.pk]) + "?symbol=AAA&size=1").content
    assert b"Cheapest half hours for AAA at 1.00 % of daily volume: <strong>15:30, 09:30</strong>" in body


def test_the_drill_down_uses_the_sessions_taq_bars_when_they_exist(priced, monkeypatch):
    from backtests.services import execution_pages

    ts = [dt.datetime(2024, 3, 5, 15, m) for m in range(0, 4)]  # naive UTC, as the TAQ datasets store them
    bars = pl.DataFrame({
        "symbol": ["10001"] * 4, "date": [DAY] * 4, "ts": ts, "open": [101.0, 101.2, 101.4, 101.6],
        "high": [101.3, 101.5, 101.7, 101.9], "low": [100.9, 101.1, 101.3, 101.5],
        "close": [101.2, 101.4, 101.6, 101.8],
        "volume": [100.0, 300.0, 100.0, 100.0], "vwap": [None, None, None, None], "count": [1, 1, 1, 1],
    })  # fmt: skip
    monkeypatch.setattr(execution_pages, "taq_rows", lambda dataset, symbol=None: bars)
    strategy = StrategyFactory(name="Intraday")
    order = _order(strategy)
    body = _client(strategy).get(reverse("backtests:execution_order", args=[strategy.pk, order.pk])).content.decode()
    assert "on the session&#x27;s 1-minute TAQ bars" in body or "on the session's 1-minute TAQ bars" in body
    # the only fill is at 15:00: arrival = that bar's close $101.20, VWAP = TWAP = $101.20 (one bar);
    # slippage of $101.50 against $101.20 = 0.30 / 101.20 = 29.64 bps
    assert "Interval VWAP" in body and "$101.2000" in body and "29.64" in body


def test_execution_report_prints_the_same_numbers_for_a_strategy(priced, monkeypatch):
    import json
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from backtests.management.commands import execution_report

    monkeypatch.setattr(execution_report, "warehouse_prices", lambda end: Prices())
    monkeypatch.setattr(execution_report, "data_range", lambda source: type("R", (), {"last": DAY})())
    strategy = StrategyFactory(name="Paper exec")
    _order(strategy)
    out = StringIO()
    call_command("execution_report", "--strategy", "Paper exec", "--format", "json", stdout=out)
    (row,) = json.loads(out.getvalue())["orders"]
    assert row["id"] == "o-1" and row["paper_value"] == pytest.approx(10_000)
    assert row["total"] == pytest.approx({"usd": 171.0, "bps": 171.0})
    assert row["opportunity"] == pytest.approx({"usd": 80.0, "bps": 80.0})
    with pytest.raises(CommandError, match="no strategy with that name"):
        call_command("execution_report", "--strategy", "nope")
    with pytest.raises(CommandError, match="either ORDERS.json or --strategy"):
        call_command("execution_report")
