"""The health page in a real browser: htmx replaces the cards every 5 s and the sparkline draws."""

from __future__ import annotations

import pytest

from console import latency
from tests.factories import role_group
from tests.support.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cards_refresh_in_place_and_latency_sparkline_draws(browser_page, live_server, django_user_model) -> None:
    page = browser_page
    ops = django_user_model.objects.create_user(username="ops", password="browser-test-password")
    ops.groups.add(role_group("researcher"))  # deny by default: System health needs an operations role
    latency.reset()
    log_in(page, live_server.url, "ops", "browser-test-password")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/health/")
    first_stamp = page.inner_text(".health-stamp")
    assert page.locator("[data-check]").count() >= 6
    page.evaluate("document.querySelector('#console-health').dataset.marker = 'original'")
    # The poll swaps the whole section (outerHTML): the marker disappears, the stamp moves on.
    page.wait_for_function("!document.querySelector('#console-health').dataset.marker", timeout=15_000, polling=250)
    assert page.inner_text(".health-stamp") != first_stamp
    assert page.locator("h1").count() == 1  # a fragment, not a page nested in the page
    # health.js redraws on htmx.onLoad, which fires after the swap settles: wait for it, don't race it.
    page.wait_for_function("!!Chart.getChart(document.getElementById('console-health-latency'))", timeout=5_000)
