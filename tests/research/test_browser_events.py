"""PEAD and the event-study builder on a demo warehouse, in a real browser at desktop and phone
width (screenshots in QD_SCREENSHOTS): the planted drift shows as fanned-out decile paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from quant.models import Job
from research.services.pead import KIND as PEAD
from research.services.pead import pead_job_run
from tests.backtests.trading.test_browser_trading_pages import _overflowing
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("QD_SCREENSHOTS", "/tmp/event-pages"))


@pytest.fixture(scope="module")
def demo_dirs(django_db_setup, django_db_blocker, tmp_path_factory):  # noqa: ANN001, ANN201
    from warehouse.services import warehouse_sync_demo

    data = tmp_path_factory.mktemp("events-browser")
    dirs = {"DATA_DIR": data, "WAREHOUSE_DIR": data / "warehouse", "ANALYTICS_DIR": data / "analytics",
            "LOCKS_DIR": data / "locks"}  # fmt: skip
    with override_settings(**dirs), django_db_blocker.unblock():
        warehouse_sync_demo(stocks=300, years=6, seed=7, writer="test")
        yield dirs


def test_pead_and_event_study_pages(demo_dirs, browser_page, live_server) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    UserFactory(username="quant", role="researcher")
    page = browser_page
    with override_settings(**demo_dirs):
        log_in(page, live_server.url, "quant", TEST_PASSWORD)
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}{reverse('research:pead')}")
        assert "PEAD not computed for this warehouse version" in page.inner_text("#research-pead")
        page.click("#research-pead form button")  # queues the job
        page.wait_for_selector("#research-pead .job-progress")
        job = Job.objects.get(kind=PEAD)
        pead_job_run(job_id=job.pk)  # what the worker does (a no-op if an in-process worker got there first)
        for width, name in ((1280, "desktop"), (390, "390")):
            page.set_viewport_size({"width": width, "height": 900})
            page.reload()
            page.wait_for_selector("#research-pead canvas[data-drawn]")
            rows = page.locator("#research-pead table tbody tr")
            assert rows.count() == 10
            # the announcement return (planted +-1.35 % for deciles 10 and 1, s.e. ~0.2 %) shows in the table
            top, bottom = (float(rows.nth(i).locator("td").nth(2).inner_text()) for i in (9, 0))
            assert top > 0.5 and bottom < -0.5
            page.screenshot(path=str(SHOTS / f"pead-{name}.png"), full_page=True)
            assert _overflowing(page) == []
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server.url}{reverse('research:event_study')}")
        page.select_option("select[name=source]", "sue")
        page.fill("input[name=decile]", "1")
        page.fill("input[name=window]", "-5,10")
        page.click("form.ev-form button[type=submit]")
        page.wait_for_selector("#research-event-study canvas[data-drawn]")
        assert "decile=1" in page.url  # hx-push-url: the address reopens the same study
        text = page.inner_text("#research-event-study")
        assert "SUE decile 1 announcements" in text and "BMP t" in text
        page.screenshot(path=str(SHOTS / "event-study-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 900})
        page.reload()
        page.wait_for_selector("#research-event-study canvas[data-drawn]")
        page.screenshot(path=str(SHOTS / "event-study-390.png"), full_page=True)
        assert _overflowing(page) == []
