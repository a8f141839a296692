"""The alert and report pages in a real browser, on a desktop and at a phone's 390 px: they fit,
the bell counts the open alert, and the screenshots land in test-artifacts/alerts/ to look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from alerts.models import Alert, AlertRule, Delivery
from alerts.models_reports import ReportSchedule
from alerts.reports.services import report_run_execute, report_schedule_fire, report_schedule_save
from alerts.services import alerts_evaluate
from tests.alerts.conftest import email_channel, run_worker, slack_channel, sms_channel
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "alerts"
NOW = dt.datetime(2024, 3, 11, 12, tzinfo=dt.UTC)


def test_alert_and_report_pages_fit_a_phone_and_show_delivery(
    browser_page,
    live_server,
    paper_strategy,
    smtp,
    http,  # noqa: ANN001
) -> None:
    rule = AlertRule.objects.create(name="Drawdown 10%", kind="drawdown", threshold=10, severity="critical",
                                    strategy=paper_strategy)  # fmt: skip
    rule.channels.set([email_channel(smtp), slack_channel(http), sms_channel(http)])
    AlertRule.objects.create(name="Sync failed", kind="sync_failed", severity="warning")
    http.plan.append("500")
    alerts_evaluate()
    run_worker()
    schedule = report_schedule_save(schedule=ReportSchedule(
        name="Weekly risk", template="weekly_risk", day_of_week="1", timezone="America/New_York",
        recipients="cio@example.com", channel=rule.channels.get(kind="email"),
    ))  # fmt: skip
    report = report_schedule_fire(schedule_id=schedule.pk, now=NOW)
    report_run_execute(run_id=report.pk)
    run_worker()
    alert = Alert.objects.get()
    assert Delivery.objects.filter(status="sent").count() == 3  # e-mail, SMS and the report's e-mail

    UserFactory(username="ops", role="operator")
    page = browser_page
    log_in(page, live_server.url, "ops", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_attribute("#alerts-bell", "aria-label") == "1 open alert"
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = {"history": reverse("alerts:history"), "alert": reverse("alerts:alert", args=[alert.pk]),
             "rules": reverse("alerts:rules"), "rule_new": reverse("alerts:rule_new"),
             "reports": reverse("alerts:reports"), "report": reverse("alerts:report", args=[report.pk])}  # fmt: skip
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for name, url in pages.items():
            page.goto(f"{live_server.url}{url}")
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} is {overflow} px wider than a {width} px screen"
    page.goto(f"{live_server.url}{reverse('alerts:alert', args=[alert.pk])}")
    assert page.locator("#alerts-deliveries .badge-ok").count() == 2  # e-mail and SMS sent
    assert "Failed (will retry)" in page.inner_text("#alerts-deliveries")  # Slack answered 500
    page.fill("#alerts-ack-form input[name=note]", "cutting gross to 0.5")
    page.click("#alerts-ack-form button")
    page.wait_for_selector("text=cutting gross to 0.5")
    assert page.inner_text("#alerts-status") == "Acknowledged"
