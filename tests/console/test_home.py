"""The home page is an overview: one tile per app (registered in quant.web.tiles), each a link,
built in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from quant.models import Job
from quant.trading.models import PnLSnapshot
from quant.web.tiles import Tile, register_tile, unregister_tile
from tests.factories import StrategyFactory, UserFactory

pytestmark = pytest.mark.django_db


def _snapshot(strategy, day, equity, contributed, daily_return=None):
    return PnLSnapshot.objects.create(strategy=strategy, date=day, equity=Decimal(equity), cash=Decimal(0),
                                      contributed=Decimal(contributed), daily_return=daily_return)  # fmt: skip


def test_home_shows_each_apps_tile_as_a_link(client):
    client.force_login(UserFactory(role="admin"))
    page = client.get(reverse("console:home")).content.decode()
    for key, url in (("pnl", "quant:strategy_list"), ("backtests", "backtests:list"), ("freshness", "warehouse:status"),
                     ("risk", "risk:dashboard"), ("jobs", "console:jobs")):  # fmt: skip
        assert f'id="home-{key}"' in page and f'<h2><a href="{reverse(url)}">' in page
    # empty states name the command that fills them
    assert "python manage.py paper_run" in page and "warehouse_sync --source demo" in page
    assert "python manage.py risk_build" in page


def test_pnl_tile_shows_latest_equity_and_day_pnl_of_visible_strategies(client):
    user = UserFactory(role="viewer")
    mine, other = StrategyFactory(owner=user, name="Momentum paper"), StrategyFactory(name="Someone else's")
    _snapshot(mine, dt.date(2024, 12, 27), "1000000.00", "1000000.00")
    _snapshot(mine, dt.date(2024, 12, 30), "1012000.00", "1000000.00")
    # the last day: 5,000 of new capital came in, so the P&L is 1,020,500 - 1,012,000 - 5,000 = 3,500
    _snapshot(mine, dt.date(2024, 12, 31), "1020500.00", "1005000.00", daily_return=3500 / 1012000)
    _snapshot(other, dt.date(2024, 12, 31), "5.00", "5.00")
    client.force_login(user)
    page = client.get(reverse("console:home")).content.decode()
    tile = page.split('id="home-pnl"')[1].split("</section>")[0]
    assert "Momentum paper" in tile and "Someone else" not in tile
    assert "2024-12-31" in tile and "1,020,500" in tile and "3,500" in tile
    assert f"{100 * 3500 / 1012000:.2f}%" in tile
    assert 'id="home-backtests"' in page  # viewers may see backtests


def test_jobs_tile_counts_the_queue(client):
    admin = UserFactory(role="admin")
    for status in ("queued", "queued", "running", "failed"):
        finished = None if status in ("queued", "running") else dt.datetime.now(dt.UTC)
        Job.objects.create(kind="backtest", status=status, requested_by=admin, finished_at=finished)
    client.force_login(admin)
    tile = client.get(reverse("console:home")).content.decode().split('id="home-jobs"')[1].split("</section>")[0]
    assert "<strong>1</strong> running" in tile and "<strong>2</strong> queued" in tile
    assert "<strong>1</strong> failed (24 h)" in tile


def test_home_is_built_in_few_queries(client, django_assert_max_num_queries):
    user = UserFactory(role="admin")
    for i in range(6):
        strategy = StrategyFactory(owner=user, name=f"S{i}")
        _snapshot(strategy, dt.date(2024, 12, 30), "100.00", "100.00")
        _snapshot(strategy, dt.date(2024, 12, 31), "101.00", "100.00")
    client.force_login(user)
    client.get(reverse("console:home"))  # warm the session and permission caches
    with django_assert_max_num_queries(14):
        page = client.get(reverse("console:home"))
    assert page.status_code == 200 and page.content.decode().count("<td>2024-12-31</td>") == 6


def test_a_registered_tile_appears_and_a_broken_one_does_not_break_the_page(client):
    def boom(user):
        raise RuntimeError("planted")

    register_tile(Tile(key="alerts", title="Open alerts", template="console/home.html", context=boom,
                       url_name="console:jobs", order=5))  # fmt: skip
    try:
        client.force_login(UserFactory(role="viewer"))
        page = client.get(reverse("console:home"))
        assert page.status_code == 200
        assert (
            'id="home-alerts"' in page.content.decode()
            and "Unavailable: RuntimeError: planted" in page.content.decode()
        )
    finally:
        unregister_tile("alerts")
