"""The execution-quality page of a paper strategy replayed on a demo warehouse, in a real browser at
desktop and phone width, with the drill-down to an order's fills (screenshots in QD_SCREENSHOTS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from guardian.shortcuts import assign_perm

from tests.backtests.strategies.test_runner import END, START, configured
from tests.backtests.trading.test_browser_trading_pages import _overflowing
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("QD_SCREENSHOTS", "/tmp/execution-pages"))


def test_execution_page_of_a_paper_strategy(demo_dirs, browser_page, live_server) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    user = UserFactory(username="pm", role="researcher")
    strategy = configured("Momentum paper", user)
    assign_perm("view_strategy", user, strategy)
    page = browser_page
    with override_settings(**demo_dirs):
        call_command("paper_run", strategy="Momentum paper", start=str(START), end=str(END), no_progress=True)
        log_in(page, live_server.url, "pm", TEST_PASSWORD)
        page.wait_for_url(f"{live_server.url}/")
        url = f"{live_server.url}{reverse('backtests:execution', args=[strategy.pk])}"
        for width, name in ((1280, "desktop"), (390, "390")):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url)
            page.wait_for_selector("#backtests-execution canvas[data-drawn]")
            assert "Perold implementation shortfall of 10 orders" in page.inner_text("#backtests-execution")
            assert page.locator("#backtests-execution .bt-kpis .card").count() == 6
            page.screenshot(path=str(SHOTS / f"execution-{name}.png"), full_page=True)
            assert _overflowing(page) == []
        page.locator("#backtests-execution table a").first.click()
        page.wait_for_selector("#backtests-execution-order canvas[data-drawn]")
        text = page.inner_text("#backtests-execution-order")
        assert "Delay" in text and "Previous close" in text and "bps" in text
        page.locator("#backtests-execution-order").screenshot(path=str(SHOTS / "execution-order-390.png"))
        assert page.url == url  # the drill-down is a fragment: the address stays
        assert _overflowing(page) == []
