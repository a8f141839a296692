"""Rule evaluation: the numbers each condition reads, deduplication, cool-down, auto-resolve,
acknowledgement, and alerts raised at once by the platform's events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.conditions import Finding
from alerts.models import Alert, AlertRule, Delivery
from alerts.services import alert_acknowledge, alert_raise, alerts_evaluate
from quant import events
from quant.jobs.services import job_claim, job_create, job_finish
from quant.models import PnLSnapshot
from tests.alerts.conftest import D3, email_channel
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rule(kind: str, threshold: float | None = None, **kw) -> AlertRule:  # noqa: ANN003
    return AlertRule.objects.create(name=f"{kind} {threshold}", kind=kind, threshold=threshold, **kw)


def test_strategy_conditions_read_the_paper_books_numbers(paper_strategy) -> None:  # noqa: ANN001
    # D3: equity 8,650, AAA 90 × 85 = 7,650 long, bought at 100 (cost 9,000); previous equity 10,900
    rules = [_rule("daily_loss", 5), _rule("gross_exposure", 0.8), _rule("position_weight", 50),
             _rule("drawdown", 25), _rule("gross_exposure", 0.9)]  # fmt: skip
    alerts_evaluate()
    values = {a.rule.name: a.value for a in Alert.objects.select_related("rule")}
    assert values == pytest.approx({
        "daily_loss 5": 100 * (8650 / 10900 - 1), "gross_exposure 0.8": 7650 / 8650,
        "position_weight 50": 100 * 9000 / 8650,  # at cost: no price feed is needed to evaluate it
    })  # fmt: skip
    assert not rules[3].alerts.exists() and not rules[4].alerts.exists()  # -20.6 % is within 25 %; 0.88 < 0.9


def test_a_repeat_is_deduplicated_and_notifies_again_only_after_the_cool_down(paper_strategy, smtp) -> None:  # noqa: ANN001
    rule = _rule("drawdown", 10, cooldown_minutes=30)
    rule.channels.set([email_channel(smtp)])
    t0 = timezone.now()
    alerts_evaluate(now=t0)
    alerts_evaluate(now=t0 + dt.timedelta(minutes=10))
    alert = Alert.objects.get()
    assert (alert.occurrences, Delivery.objects.count()) == (2, 1)
    alerts_evaluate(now=t0 + dt.timedelta(minutes=31))
    assert (Alert.objects.get().occurrences, Delivery.objects.count()) == (3, 2)


def test_an_alert_resolves_when_the_condition_clears_and_history_keeps_it(paper_strategy) -> None:  # noqa: ANN001
    _rule("drawdown", 10)
    alerts_evaluate()
    PnLSnapshot.objects.create(strategy=paper_strategy, date=D3 + dt.timedelta(days=1), equity=Decimal(11000),
                               cash=Decimal(1000), daily_return=11000 / 8650 - 1)  # fmt: skip
    report = alerts_evaluate()
    first = Alert.objects.get()
    assert report.resolved == [first.pk] and first.status == "resolved" and first.resolved_at is not None
    PnLSnapshot.objects.create(strategy=paper_strategy, date=D3 + dt.timedelta(days=2), equity=Decimal(9000),
                               cash=Decimal(1000), daily_return=9000 / 11000 - 1)  # fmt: skip
    alerts_evaluate()
    assert list(Alert.objects.order_by("pk").values_list("status", flat=True)) == ["resolved", "open"]


def test_acknowledged_alerts_stop_notifying_and_the_console_records_who_and_why(paper_strategy, smtp, client) -> None:  # noqa: ANN001
    rule = _rule("drawdown", 10, cooldown_minutes=0)
    rule.channels.set([email_channel(smtp)])
    alerts_evaluate()
    alert = Alert.objects.get()
    viewer = UserFactory(role="viewer")
    client.force_login(viewer)
    assert client.post(reverse("alerts:acknowledge", args=[alert.pk]), {"note": "x"}).status_code == 403
    client.force_login(UserFactory(role="operator", username="ops"))
    response = client.post(reverse("alerts:acknowledge", args=[alert.pk]), {"note": "halving the book"}, follow=True)
    page = response.content.decode()
    assert "Acknowledged" in page and "by ops" in page and "halving the book" in page
    alerts_evaluate()
    assert Delivery.objects.count() == 1  # acknowledged: seen, no more messages
    with pytest.raises(ValueError, match="only open alerts"):
        alert_acknowledge(alert=Alert.objects.get(), user=None, note="again")


def test_events_raise_at_once_and_a_breaker_reset_resolves(db, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    _rule("job_failed"), _rule("sync_failed"), _rule("breaker_tripped")
    job = job_create(kind="backtest", label="boom")
    claim = job_claim(job_id=job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        job_finish(claim=claim, status="failed", message="failed", error="ValueError: no prices\ntraceback...")
    alert = Alert.objects.get(rule__kind="job_failed")
    assert (alert.subject, alert.message) == ("backtest", f"backtest job #{job.pk} failed: ValueError: no prices")
    events.sync_failed.send(sender=None, dataset="crsp_daily", error="HTTP 503 from WRDS")
    events.breaker_tripped.send(sender=None, reason="loss limit", by="rule", at=timezone.now())
    assert Alert.objects.get(rule__kind="sync_failed").message == "sync of crsp_daily failed: HTTP 503 from WRDS"
    assert Alert.objects.get(rule__kind="breaker_tripped").status == "open"
    events.breaker_reset.send(sender=None, reason="reviewed", by="ops", at=timezone.now())
    assert Alert.objects.get(rule__kind="breaker_tripped").status == "resolved"
    # beat agrees: the newest finished backtest job failed, so the job alert stays open
    alerts_evaluate()
    assert Alert.objects.get(rule__kind="job_failed").status == "open"


def test_a_delivery_failing_never_raises_a_job_failed_alert_about_itself(
    db, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    _rule("job_failed")
    job = job_create(kind="alert_delivery")
    with django_capture_on_commit_callbacks(execute=True):
        job_finish(claim=job_claim(job_id=job.pk), status="failed", message="failed", error="SMTP down")
    assert not Alert.objects.exists()
    assert alerts_evaluate().raised == []


def test_a_concurrent_raise_of_the_same_subject_is_one_alert(paper_strategy) -> None:  # noqa: ANN001
    rule = _rule("drawdown", 10)
    a1, _ = alert_raise(rule=rule, finding=Finding("x", 1.0, "one"))
    a2, _ = alert_raise(rule=rule, finding=Finding("x", 2.0, "two"))
    assert a1.pk == a2.pk and Alert.objects.get().message == "two"
