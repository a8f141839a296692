"""Backtests tied to a strategy follow the strategy's guardian grants on every page of the run."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from tests.backtests.factories import finished_run
from tests.factories import StrategyFactory, UserFactory

pytestmark = pytest.mark.django_db

RUN_PAGES = ("detail", "results", "trades_csv", "montecarlo", "relative", "attribution")


@pytest.fixture
def strategy_run():
    strategy = StrategyFactory()
    run = finished_run(strategy.owner)
    run.strategy = strategy
    run.save(update_fields=["strategy"])
    return run


def _viewer(*strategies) -> Client:
    user = UserFactory(role="viewer")
    for strategy in strategies:
        assign_perm("quant.view_strategy", user, strategy)
    client = Client()
    client.force_login(user)
    return client


def test_a_viewer_denied_the_strategy_gets_404_on_every_page_of_its_backtests(strategy_run):
    outsider = _viewer()
    assert outsider.get(reverse("quant:strategy_detail", args=[strategy_run.strategy_id])).status_code == 404
    statuses = {
        page: outsider.get(reverse(f"backtests:{page}", args=[strategy_run.pk])).status_code for page in RUN_PAGES
    }
    assert statuses == dict.fromkeys(RUN_PAGES, 404)
    listing = outsider.get(reverse("backtests:list")).content.decode()
    assert reverse("backtests:detail", args=[strategy_run.pk]) not in listing
    compare = outsider.get(reverse("backtests:compare"), {"ids": [strategy_run.pk]}).content.decode()
    assert reverse("backtests:detail", args=[strategy_run.pk]) not in compare
    home = outsider.get(reverse("console:home")).content.decode()  # the "Latest backtests" tile
    assert 'id="home-backtests"' in home
    assert reverse("backtests:detail", args=[strategy_run.pk]) not in home
    insider = _viewer(strategy_run.strategy).get(reverse("console:home")).content.decode()
    assert reverse("backtests:detail", args=[strategy_run.pk]) in insider


def test_a_viewer_granted_the_strategy_opens_its_backtests(strategy_run):
    granted = _viewer(strategy_run.strategy)
    statuses = {
        page: granted.get(reverse(f"backtests:{page}", args=[strategy_run.pk])).status_code for page in RUN_PAGES
    }
    assert statuses == dict.fromkeys(RUN_PAGES, 200)
    csv_text = b"".join(granted.get(reverse("backtests:trades_csv", args=[strategy_run.pk])).streaming_content)
    assert csv_text.startswith(b"date,") or b"permno" in csv_text.splitlines()[0]
    assert (
        reverse("backtests:detail", args=[strategy_run.pk]) in granted.get(reverse("backtests:list")).content.decode()
    )


def test_a_backtest_tied_to_no_strategy_stays_open_to_the_backtests_role():
    run = finished_run(UserFactory(role="researcher"))
    assert _viewer().get(reverse("backtests:detail", args=[run.pk])).status_code == 200


def test_a_user_with_no_role_opens_no_area_page():
    client = Client()
    client.force_login(UserFactory())
    pages = ["risk:dashboard", "research:explorer", "research:models", "warehouse:status", "backtests:list"]
    assert {name: client.get(reverse(name)).status_code for name in pages} == dict.fromkeys(pages, 403)
    assert client.get(reverse("console:home")).status_code == 200
