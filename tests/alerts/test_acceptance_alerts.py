"""Acceptance: a drawdown alert on a paper strategy reaches the SMTP sink and the webhook stand-in,
is retried after a 500, and shows as delivered in the console; an SMS reaches the Twilio stand-in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.delivery import deliveries_retry
from alerts.models import Alert, AlertRule, Delivery
from alerts.services import alerts_evaluate
from quant.models import Job, PnLSnapshot
from tests.alerts.conftest import TWILIO_SID, email_channel, run_worker, slack_channel, sms_channel
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DRAWDOWN_PCT = 100 * (8650 / 10900 - 1)  # -20.64 %: from the 10,900 peak to 8,650 (see paper_strategy)


def test_the_paper_strategy_books_the_equity_the_drawdown_is_computed_from(paper_strategy) -> None:  # noqa: ANN001
    equity = [float(s.equity) for s in PnLSnapshot.objects.filter(strategy=paper_strategy).order_by("date")]
    assert equity == [10000.0, 10900.0, 8650.0]


def test_drawdown_alert_reaches_smtp_and_slack_retries_a_500_and_shows_delivered(
    paper_strategy,
    smtp,
    http,
    client,  # noqa: ANN001
) -> None:
    rule = AlertRule.objects.create(name="Drawdown 10%", kind="drawdown", threshold=10, severity="critical",
                                    strategy=paper_strategy)  # fmt: skip
    rule.channels.set([email_channel(smtp), slack_channel(http)])
    http.plan.append("500")

    report = alerts_evaluate()
    assert len(report.raised) == 1
    alert = Alert.objects.get(pk=report.raised[0])
    assert alert.subject == "Momentum paper" and alert.value == pytest.approx(DRAWDOWN_PCT, abs=1e-9)
    assert "-20.64 %" in alert.message

    run_worker()
    email, slack = Delivery.objects.get(channel__kind="email"), Delivery.objects.get(channel__kind="slack")
    assert email.status == "sent" and "250" not in email.response and "accepted 1" in email.response
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["Subject"] == "[critical] Drawdown 10%: Momentum paper"
    assert message["To"] == "pm@example.com" and "-20.64 %" in message.get_payload()
    assert slack.status == "failed" and slack.attempts == 1 and "HTTP 500" in slack.response
    assert slack.job.status == Job.Status.FAILED and "500" in slack.job.error
    first_job = slack.job_id
    # backoff: attempt 2 waits 15..30 s (base 30 s, equal jitter)
    wait = (slack.next_attempt_at - timezone.now()).total_seconds()
    assert 13 <= wait <= 30

    assert deliveries_retry() == []  # not due yet
    assert deliveries_retry(now=timezone.now() + dt.timedelta(seconds=31)) == [slack.pk]
    run_worker()
    slack.refresh_from_db()
    assert slack.status == "sent" and slack.attempts == 2 and slack.job_id != first_job
    assert slack.response == "HTTP 200: ok"
    assert [s.path for s in http.seen] == ["/services/T0/B0/XYZ"] * 2
    assert (
        http.seen[1]
        .json()["text"]
        .startswith("*[critical] Drawdown 10%: Momentum paper*\nMomentum paper: drawdown -20.64 %")
    )

    client.force_login(UserFactory(role="operator"))
    page = client.get(reverse("alerts:alert", args=[alert.pk])).content.decode()
    assert page.count('badge-ok">Sent</span>') == 2 and "2 of 5" in page and "HTTP 200: ok" in page
    history = client.get(reverse("alerts:history")).content.decode()
    assert "2 sent" in history and 'id="alerts-bell"' in history and 'aria-label="1 open alert"' in history


def test_sms_reaches_the_twilio_standin_with_the_right_body(paper_strategy, http) -> None:  # noqa: ANN001
    rule = AlertRule.objects.create(name="Drawdown SMS", kind="drawdown", threshold=15, strategy=paper_strategy)
    rule.channels.set([sms_channel(http, to="+15550001111,+15550002222")])
    alerts_evaluate()
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.status == "sent"
    assert [s.path for s in http.seen] == [f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"] * 2
    forms = [s.form() for s in http.seen]
    assert [f["To"] for f in forms] == ["+15550001111", "+15550002222"]
    assert {f["From"] for f in forms} == {"+15559998888"}
    assert forms[0]["Body"] == (
        "[warning] Drawdown SMS: Momentum paper\nMomentum paper: drawdown -20.64 % (limit -15 %)\n\n"
        "Rule: Drawdown SMS (Strategy drawdown beyond)\nSeverity: warning\n"
        f"First seen: {Alert.objects.get().first_seen:%Y-%m-%d %H:%M} UTC"
    )
    assert http.seen[0].headers["Authorization"].startswith("Basic ")  # the SID and token, as Twilio expects
    assert delivery.response.startswith("+15550001111: SM") and "queued" in delivery.response
