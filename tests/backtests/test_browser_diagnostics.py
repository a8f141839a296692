"""The Monte Carlo and benchmark-relative tiles in a real browser: both load and draw their charts on
the run page, the Monte Carlo form swaps in trade resampling, and the pages fit a phone's width."""

from __future__ import annotations

import pytest

from tests.backtests.factories import finished_run
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHARTS = ("rolling_alpha_beta", "rolling_drawdown", "fan")


def test_diagnostics_tiles_draw_and_the_monte_carlo_form_resamples_trades(browser_page, live_server, tmp_path) -> None:
    page = browser_page
    run = finished_run(UserFactory(username="viewer", role="viewer"))
    log_in(page, live_server.url, "viewer", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/backtests/{run.pk}/")
    for chart in CHARTS:
        page.wait_for_selector(f"canvas[data-bt-chart={chart}][data-drawn]", timeout=20_000)
    assert "stationary bootstrap paths" in page.inner_text("#backtests-montecarlo")
    page.select_option("#backtests-montecarlo select[name=method]", "trades")
    page.fill("#backtests-montecarlo input[name=paths]", "300")
    page.click("#backtests-montecarlo button[type=submit]")
    page.wait_for_function("document.querySelector('#backtests-montecarlo').innerText.includes('300 trade-resampling')")
    page.wait_for_selector("canvas[data-bt-chart=fan][data-drawn]", timeout=10_000)
    assert page.url.endswith(f"/backtests/{run.pk}/")  # swapped in place
    page.screenshot(path=str(tmp_path / "run-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (f"/backtests/{run.pk}/relative/", f"/backtests/{run.pk}/montecarlo/?method=shuffle&paths=200"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("canvas[data-drawn]", timeout=10_000)
        page.screenshot(path=str(tmp_path / f"{path.split('/')[3]}-phone.png"), full_page=True)
        # The page's own content (not the shared header) fits the phone's width.
        overflowing = (
            "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        )
        assert page.evaluate(f"{overflowing}.length") == 0, path
