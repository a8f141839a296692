"""The microstructure and TAQ pages in a real browser: every chart drawn, no overflow at 390 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from research.services.taq import taq_demo_build
from tests.factories import UserFactory

SHOTS = Path(os.environ.get("QUANTDESK_SCREENSHOTS", "/tmp/taq"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_microstructure_and_taq_pages_render_on_desktop_and_phone(live_server, browser_page, settings, tmp_path):
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    settings.LOCKS_DIR = tmp_path / "locks"
    taq_demo_build(days=40)
    client = Client()
    client.force_login(UserFactory(role="viewer"))
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page = browser_page
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    SHOTS.mkdir(parents=True, exist_ok=True)
    symbol_url = live_server.url + reverse("research:microstructure_symbol", args=["DEMOA"])
    taq_url = live_server.url + reverse("research:taq") + "?symbols=DEMOA,ZZZ&start=2024-06-03&end=2024-06-28"
    for width, tag in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(symbol_url)
        page.wait_for_function("document.querySelectorAll('canvas[data-ms-chart][data-drawn]').length === 6")
        drawn = page.evaluate("[...document.querySelectorAll('canvas[data-ms-chart]')].map(c => !!Chart.getChart(c))")
        assert drawn == [True] * 6
        vol = page.evaluate(
            "Chart.getChart(document.querySelector('canvas[data-ms-chart=vol]')).data.datasets.map(d => d.label)"
        )
        assert "√RK" in vol and "HAR forecast" in vol
        models = page.locator("#research-har-models tbody tr").all_inner_texts()
        assert [m.split("\t")[0] for m in models] == ["HAR", "log HAR", "HAR-J"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"microstructure-{tag}.png"), full_page=True)
        page.goto(taq_url)
        assert "Trades (rows)" in page.content() and "ZZZ" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"taq-{tag}.png"), full_page=True)
    page.goto(live_server.url + reverse("research:microstructure"))
    assert "DEMOB" in page.content()
