"""Data tools in a real browser: trigger a demo sync from the dashboard, watch it, open its log; run a
query, page through it, export it and download the file. Screenshots at desktop and 390 px widths."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from quant.models import AccessLog, Job
from tests.factories import UserFactory
from tests.support.otp import login_verified, totp_code

SHOTS = Path(os.environ.get("QUANTDESK_SCREENSHOTS", "/tmp/datatools"))


def _shoot(page, url: str, name: str) -> None:
    for width, tag in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} overflows at {width} px"
        page.screenshot(path=str(SHOTS / f"{name}-{tag}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_trigger_a_demo_sync_then_query_page_export_and_download(live_server, browser_page, settings, tmp_path):
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    settings.LOCKS_DIR = tmp_path / "locks"
    settings.CELERY_BROKER_URL = None  # jobs run in a worker thread of the live server
    settings.EXPLORER_PAGE_ROWS = 100
    SHOTS.mkdir(parents=True, exist_ok=True)
    operator = UserFactory.with_role("operator", enrolled=True)
    device = operator.totpdevice_set.get()
    client = login_verified(Client(), device)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page = browser_page
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    base = live_server.url

    # Trigger a small demo sync from the dashboard, through the step-up confirmation.
    page.goto(base + reverse("warehouse:sync_dashboard"))
    page.select_option("#warehouse-trigger-source", "demo")
    page.fill("#warehouse-sync-trigger input[name=stocks]", "50")
    page.fill("#warehouse-sync-trigger input[name=years]", "2")
    page.click("#warehouse-sync-trigger button[type=submit]")
    page.wait_for_selector("#step-up-confirm")
    page.fill("#step-up-confirm input[name=step_up_token]", totp_code(device))
    page.fill("#step-up-confirm textarea[name=step_up_reason]", "browser test: rebuild the demo")
    page.click("#step-up-confirm button[type=submit]")
    page.wait_for_url("**/warehouse/syncs/jobs/*/")
    job = Job.objects.get(kind="sync")
    assert page.locator(f"#job-{job.pk}").count() == 1  # the progress partial, polled while it runs
    page.wait_for_selector("#warehouse-sync-log[data-status=succeeded]", timeout=120_000)
    log = page.locator("#warehouse-sync-logtext").inner_text()
    assert "demo: simulate" in log and "Published 9 datasets from demo" in log
    assert AccessLog.objects.get(action="control").reason == "browser test: rebuild the demo"
    _shoot(page, page.url, "sync-log")
    _shoot(page, base + reverse("warehouse:sync_dashboard"), "sync-dashboard")
    _shoot(page, base + reverse("warehouse:dataset", args=["crsp_daily"]), "dataset-crsp_daily")
    page.wait_for_function("!!Chart.getChart(document.getElementById('warehouse-coverage-chart'))")
    _shoot(page, base + reverse("warehouse:quality", args=["crsp_daily"]), "quality-crsp_daily")
    page.wait_for_function("!!Chart.getChart(document.getElementById('warehouse-quality-chart'))")

    _shoot(page, base + reverse("warehouse:notebooks"), "notebooks")

    # Run a query, page through it, export it, download the file.
    page.goto(base + reverse("warehouse:sql"))
    page.fill("#id_q", "select permno, date, ret from crsp_daily order by permno, date limit 1500")
    page.click("#warehouse-sql-form button[type=submit]")
    page.wait_for_selector("#warehouse-sql-meta:has-text('Rows 1–100 · page 1')")
    first = page.locator("#warehouse-sql-rows tbody tr").first.inner_text()
    page.click("#warehouse-sql-next")
    page.wait_for_selector("#warehouse-sql-meta:has-text('Rows 101–200 · page 2')")
    assert "page=2" in page.url and page.locator("#warehouse-sql-rows tbody tr").first.inner_text() != first
    page.select_option("#warehouse-export-format", "csv")
    page.click("#warehouse-sql-export button[type=submit]")
    page.wait_for_selector("#warehouse-export-download", timeout=60_000)
    with page.expect_download() as download_info:
        page.click("#warehouse-export-download")
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    got = pl.read_csv(path, try_parse_dates=True)
    expected = pl.read_parquet(sorted((settings.WAREHOUSE_DIR / "crsp_daily").rglob("*.parquet")))
    expected = expected.select("permno", "date", "ret").sort("permno", "date").head(1500)
    assert got.height == 1500 and got["permno"].to_list() == expected["permno"].to_list()
    assert got["date"].to_list() == expected["date"].to_list()
    _shoot(page, page.url, "sql-explorer")
