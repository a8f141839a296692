"""The run page in a real browser: the one job progress partial polls while the run is active,
stops polling when it finishes and reloads the page, which then shows the results (charts)."""

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
    status = f"#job-{run.job_id}"
    assert page.get_attribute(status, "data-status") == "queued"
    assert page.locator("canvas[data-bt-chart]").count() == 0
    backtest_run_execute(run_id=run.pk, task_id="browser")  # the "worker" finishes it
    page.wait_for_selector(f'{status}[data-status="succeeded"]', timeout=15_000)  # after HX-Refresh
    page.wait_for_function("document.querySelectorAll('canvas[data-drawn]').length >= 4", timeout=15_000)
    assert page.get_attribute(status, "hx-trigger") is None  # polling stopped
    assert page.locator("h1").count() == 1  # the page reloaded, not a page nested in the page
    assert page.evaluate("!!Chart.getChart(document.querySelector('canvas[data-bt-chart=equity]'))")


def test_the_optimizer_settings_show_only_while_the_box_is_ticked(browser_page, live_server) -> None:
    import datetime as dt

    from quant.models import Job
    from risk.models import RiskModelRun

    # The form offers the optimizer once any succeeded risk model exists; this page never runs it.
    job = Job.objects.create(kind="risk_build", status="succeeded")
    RiskModelRun.objects.create(job=job, version="browser", as_of=dt.date(2024, 6, 28), config_hash="x")
    page = browser_page
    UserFactory(username="researcher", role="researcher")
    log_in(page, live_server.url, "researcher", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/backtests/new/")
    settings = page.locator("#backtests-optimizer-settings")
    page.wait_for_function("document.getElementById('backtests-optimizer-settings').hidden")
    assert settings.is_hidden()
    page.check("#id_use_optimizer")
    assert settings.is_visible() and page.input_value("#id_optimizer_max_weight") == "5.00"
    page.select_option("#id_source", "synthetic")
    page.fill("#id_optimizer_max_weight", "0")
    page.click("#backtests-form button[type=submit]")  # htmx swaps the form back with the error
    page.wait_for_selector("#id_optimizer_max_weight-error")
    assert settings.is_visible() and page.is_checked("#id_use_optimizer")
    assert "greater than or equal to 0.01" in page.inner_text("#id_optimizer_max_weight-error")
    page.uncheck("#id_use_optimizer")
    assert settings.is_hidden()
    # Without JavaScript the settings are simply shown.
    context = page.context.browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.context.add_cookies(page.context.cookies())
    plain.goto(f"{live_server.url}/backtests/new/")
    assert plain.locator("#backtests-optimizer-settings").is_visible()
    context.close()
