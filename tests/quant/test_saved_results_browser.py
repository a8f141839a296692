"""Saved results in a real browser at a phone's width: the page fits and its charts are drawn."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from quant.models import SavedResult
from tests.backtests.management.test_perf_report import monthly_file
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_saved_perf_report_fits_a_phone_and_draws_its_charts(browser_page, live_server, tmp_path: Path) -> None:
    page = browser_page
    UserFactory(username="ada", role="researcher")
    path, _ = monthly_file(tmp_path)
    call_command("perf_report", "--returns", str(path), "--save", "--owner", "ada", stdout=StringIO())
    saved = SavedResult.objects.get()
    log_in(page, live_server.url, "ada", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{saved.get_absolute_url()}")
    page.wait_for_function("document.querySelectorAll('canvas[data-drawn]').length == 2", timeout=15_000)
    assert page.evaluate("!!Chart.getChart(document.querySelector('canvas[data-bt-chart=drawdown]'))")
    width = page.evaluate(
        "(() => { const m = document.querySelector('main'); return [m.scrollWidth, m.clientWidth]; })()"
    )
    assert width[0] <= width[1]  # nothing wider than the screen (wide tables scroll inside their card)
    page.goto(f"{live_server.url}/quant/saved/")
    page.click(f"a[href='{saved.get_absolute_url()}']")
    page.wait_for_selector("#backtests-saved-metrics")
