"""The run page in a real browser: the status card polls while the run is active, stops polling
when it finishes, and the results (charts) arrive out of band without a page reload."""

from __future__ import annotations

import pytest

from backtests.services import backtest_run_execute
from tests.backtests.factories import queued_run
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_status_polls_until_done_then_results_and_charts_appear(browser_page, live_server) -> None:
    page = browser_page
    user = UserFactory(username="researcher", role="researcher")
    run = queued_run(user)  # on_commit enqueue: no broker and no worker here, so it stays queued
    log_in(page, live_server.url, "researcher", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/backtests/{run.pk}/")
    assert page.get_attribute("#backtests-status", "data-status") == "queued"
    assert page.locator("canvas[data-bt-chart]").count() == 0
    backtest_run_execute(run_id=run.pk, task_id="browser")  # the "worker" finishes it
    page.wait_for_selector('#backtests-status[data-status="succeeded"]', timeout=15_000)
    page.wait_for_function("document.querySelectorAll('canvas[data-drawn]').length >= 4", timeout=15_000)
    assert page.get_attribute("#backtests-status", "hx-trigger") is None  # polling stopped
    assert page.locator("h1").count() == 1  # fragments, not a page nested in the page
    assert page.evaluate("!!Chart.getChart(document.querySelector('canvas[data-bt-chart=equity]'))")
