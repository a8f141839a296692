"""A newcomer's path through the strategy pages in a real browser: performance (at desktop and
phone width), comparison with a backtest, tagging a trade in the journal, exporting it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.backtests.factories import finished_run
from tests.factories import TEST_PASSWORD, StrategyFactory, UserFactory
from tests.support.browser import log_in
from tests.support.trading_history import fill, positions, seeded_returns, snapshot_history

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("QD_SCREENSHOTS", "/tmp/trading-pages"))


WIDER = """() => [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect(); if (r.right <= window.innerWidth + 1) return false;
  for (let p = e.parentElement; p; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return false;
  }
  return true; }).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""


def _overflowing(page) -> list[str]:  # noqa: ANN001
    """Elements that stick out of a 390 px viewport (outside any scroll box); [] when none do."""
    if page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
        return []
    return page.evaluate(WIDER) or ["(the document is wider than the viewport)"]


def test_performance_compare_tag_and_export(browser_page, live_server) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    user = UserFactory(username="newcomer", role="researcher")
    strategy = StrategyFactory(owner=user, name="Demo momentum (paper)")
    snapshot_history(strategy, seeded_returns(500, seed=9), start=dt.date(2006, 3, 1))
    positions(strategy, {"AAPL": (120, 150.0), "MSFT": (80, 300.0), "XOM": (-50, 90.0)})
    fill(strategy, "AAPL", "buy", 100, 140.0, dt.date(2007, 1, 3), fees=1.0)
    fill(strategy, "AAPL", "sell", 100, 151.5, dt.date(2007, 2, 1), fees=1.0)
    run = finished_run(user)
    log_in(page, live_server.url, "newcomer", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")

    # 1. performance page, opened directly
    page.goto(f"{live_server.url}{reverse('backtests:performance', args=[strategy.pk])}")
    page.wait_for_function("document.querySelectorAll('#backtests-performance canvas[data-drawn]').length >= 2")
    assert page.locator("#backtests-today").get_attribute("hx-trigger").startswith("every 10s")
    assert page.locator("#backtests-positions tbody tr").count() == 3
    page.screenshot(path=str(SHOTS / "performance-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_function("document.querySelectorAll('#backtests-performance canvas[data-drawn]').length >= 2")
    page.screenshot(path=str(SHOTS / "performance-390.png"), full_page=True)
    assert _overflowing(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})

    # 2. compare it with a backtest and blend them
    page.goto(f"{live_server.url}{reverse('backtests:compare')}?s={strategy.pk}")
    page.check(f"#compare-form input[name=ids][value='{run.pk}']")
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector(f"input[name=w_bt{run.pk}]")  # the comparison swapped in with the run
    page.fill(f"input[name=w_st{strategy.pk}]", "50")
    page.fill(f"input[name=w_bt{run.pk}]", "50")
    page.click("#backtests-blend button[type=submit]")
    page.wait_for_selector("canvas[data-bt-chart=compare_blend][data-drawn]")
    assert f"w_bt{run.pk}=50" in page.url and f"w_st{strategy.pk}=50" in page.url  # a shareable URL
    assert "Weights sum to 100%" in page.inner_text("#backtests-blend")
    page.screenshot(path=str(SHOTS / "compare-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "compare-390.png"), full_page=True)
    assert _overflowing(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})

    # 3. tag the trade in the journal
    page.goto(f"{live_server.url}{reverse('backtests:journal')}?strategy={strategy.pk}")
    page.click("#journal-trips a.bt-edit")
    page.fill("#journal-trips input[name=tags]", "earnings, breakout")
    page.fill("#journal-trips textarea[name=note]", "Held through the print")
    page.click("#journal-trips button[type=submit]")
    page.wait_for_selector("#journal-trips .badge:has-text('breakout')")
    page.screenshot(path=str(SHOTS / "journal-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "journal-390.png"), full_page=True)
    assert _overflowing(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})

    # 4. export it
    with page.expect_download() as download:
        page.click("#journal-export-csv")
    text = Path(download.value.path()).read_text()
    assert "AAPL" in text and "breakout,earnings" in text and "Held through the print" in text
