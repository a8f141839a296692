"""Phone width (390×844): the menu collapses behind a button, and the backtest run page, the risk
dashboard and the alpha pages fit without horizontal page scroll (wide tables scroll in their card).

Screenshots go to ``$QUANTDESK_SCREENSHOTS`` when set (for a person to look at), else tmp_path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.backtests.factories import finished_run
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _world(settings, tmp_path: Path) -> dict[str, str]:
    """A small demo warehouse with a risk model, a portfolio, two signal reports and a backtest run."""
    from research.services.reports import alpha_build
    from risk.services.loaded import load_model
    from risk.services.model_build import risk_model_build
    from risk.services.portfolios import portfolio_save
    from warehouse.services import warehouse_sync_demo

    for name in ("WAREHOUSE_DIR", "ANALYTICS_DIR", "LOCKS_DIR"):
        setattr(settings, name, tmp_path / name.lower())
    warehouse_sync_demo(stocks=200, years=3, seed=5, writer="test")
    run = risk_model_build(as_of=__import__("datetime").date(2024, 9, 30), writer="test")
    permnos = load_model(run.version).permnos.tolist()[:20]
    portfolio = portfolio_save(name="Twenty", weights={p: 0.05 for p in permnos}, run=run)
    alpha_build(names=["momentum", "value"])
    from research.services.combination import signal_definitions_register

    signal_definitions_register()  # registry rows (the signals' definitions, staging)
    user = UserFactory(username="phone", role="admin")
    backtest = finished_run(user)
    return {
        "run": reverse("backtests:detail", args=[backtest.pk]),
        "risk": reverse("risk:dashboard") + f"?portfolio={portfolio.pk}",
        "exposures": reverse("risk:exposures") + f"?portfolio={portfolio.pk}",
        "alpha": reverse("research:explorer"),
        "signal": reverse("research:signal", args=["momentum"]),
        "registry": reverse("research:models"),
    }


def test_pages_fit_a_phone_and_the_menu_collapses(browser_page, live_server, settings, tmp_path) -> None:
    shots = Path(os.environ.get("QUANTDESK_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    pages = _world(settings, tmp_path)
    page = browser_page
    log_in(page, live_server.url, "phone", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    assert not page.is_visible("#console-mainnav") and page.is_visible(".navtoggle")
    page.click(".navtoggle")
    assert page.is_visible("#console-mainnav") and page.get_attribute(".navtoggle", "aria-expanded") == "true"
    page.screenshot(path=str(shots / "home-phone-menu-open.png"), full_page=True)
    too_wide = {}
    for key, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(800)  # charts draw after their data arrives
        page.screenshot(path=str(shots / f"{key}-phone.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
        if key == "run":  # all twelve months and the year fit without scrolling the heatmap
            heat = page.evaluate(
                "(() => { const t = document.querySelector('table.bt-heatmap');"
                " return [t.scrollWidth, t.clientWidth]; })()"
            )
            assert heat[0] <= heat[1], heat
        if key == "registry":  # each model is a stacked card: the promotion gate is on screen
            gate = page.locator('td[data-label="Promotion gate"]').first.bounding_box()
            assert gate is not None and gate["x"] + gate["width"] <= PHONE["width"], gate
    assert too_wide == {}
    page.set_viewport_size({"width": 1280, "height": 900})
    for key, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots / f"{key}-desktop.png"), full_page=True)
    assert page.is_visible("#console-mainnav") and not page.is_visible(".navtoggle")
