"""Deliveries at the network boundary: timeouts and refusals are retried with backoff, then dead-lettered;
secrets are stored encrypted and never shown back in full."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from alerts.delivery import BACKOFF_BASE_SECONDS, backoff_seconds, deliveries_retry, delivery_create
from alerts.models import AlertRule, Channel, Delivery
from alerts.secrets import decrypt, mask
from alerts.services import alerts_evaluate
from quant.jobs.services import job_claim, jobs_reap
from tests.alerts.conftest import email_channel, run_worker, slack_channel
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_backoff_doubles_with_jitter_inside_half_to_full_step() -> None:
    rng = random.Random(7)
    for attempt in range(1, 7):
        step = BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)
        delays = [backoff_seconds(attempt, rng=rng) for _ in range(200)]
        assert step / 2 <= min(delays) and max(delays) <= step
        assert len({round(d, 6) for d in delays}) > 150  # jittered, not a constant
    assert backoff_seconds(30, rng=rng) <= 3600  # capped at an hour


def _later(seconds: float = 4000) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_a_webhook_that_hangs_is_retried_then_dead_lettered(http) -> None:  # noqa: ANN001
    http.plan.extend(["hang"] * 5)
    delivery = delivery_create(channel=slack_channel(http), title="t", body="b")
    for attempt in range(1, 6):
        run_worker()
        delivery.refresh_from_db()
        assert delivery.attempts == attempt and "ReadTimeout" in delivery.response
        if attempt < 5:
            assert delivery.status == "failed" and deliveries_retry(now=_later()) == [delivery.pk]
    assert delivery.status == "dead_letter" and delivery.next_attempt_at is None
    assert deliveries_retry(now=_later(10**6)) == []  # nothing more is tried
    jobs = {d.job.status for d in Delivery.objects.all()}
    assert jobs == {"failed"} and len(http.seen) == 5


def test_an_smtp_refusal_is_retried_and_then_delivered(smtp) -> None:  # noqa: ANN001
    smtp.fail_next(1)
    delivery = delivery_create(channel=email_channel(smtp), title="Daily loss", body="-3.2 %")
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "451" in delivery.response and smtp.messages == []
    deliveries_retry(now=_later())
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2 and smtp.messages[0]["Subject"] == "Daily loss"


def test_secrets_are_encrypted_at_rest_and_only_masked_on_the_pages(http, client) -> None:  # noqa: ANN001
    client.force_login(UserFactory(role="operator"))
    url = f"{http.url}/services/T000/B000/averysecretwebhooktoken"
    response = client.post(reverse("alerts:channel_new"), {"name": "ops", "kind": "slack", "secret_value": url,
                                                           "enabled": "on"})  # fmt: skip
    assert response.status_code == 302
    channel = Channel.objects.get(name="ops")
    with connection.cursor() as cursor:
        cursor.execute("select secret from alerts_channel where id = %s", [channel.pk])
        stored = cursor.fetchone()[0]
    assert "averysecret" not in stored and decrypt(stored) == url
    page = client.get(reverse("alerts:rules")).content.decode()
    assert "averysecretwebhooktoken" not in page and "••••oken" in page
    edit = client.get(reverse("alerts:channel_edit", args=[channel.pk])).content.decode()
    assert "averysecret" not in edit
    client.post(reverse("alerts:channel_edit", args=[channel.pk]), {"name": "ops", "kind": "slack", "enabled": "on"})
    channel.refresh_from_db()
    assert decrypt(channel.secret) == url  # an empty field keeps the stored secret
    assert mask("short") == "••••"


def test_send_test_from_the_rules_page_reaches_the_channel(http, client) -> None:  # noqa: ANN001
    rule = AlertRule.objects.create(name="Sync failed", kind="sync_failed")
    rule.channels.set([slack_channel(http)])
    client.force_login(UserFactory(role="operator", username="ops"))
    client.post(reverse("alerts:rule_test", args=[rule.pk]))
    run_worker()
    assert (
        http.seen[0].json()["text"]
        == "*[test] Sync failed*\nTest of alert rule 'Sync failed' (Sync failed), sent by ops."
    )
    page = client.get(reverse("alerts:rules")).content.decode()
    assert "HTTP 200: ok" in page


def test_a_lost_attempt_counts_as_failed_and_is_retried(http) -> None:  # noqa: ANN001
    delivery = delivery_create(channel=slack_channel(http), title="t", body="b")
    job_claim(job_id=delivery.job_id)  # a worker took it, then died without a word
    jobs_reap(now=_later(3600))
    assert deliveries_retry(now=_later(3600)) == []  # marked failed first, due after its backoff
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.response.startswith("attempt lost: worker lost")
    assert deliveries_retry(now=_later(7200)) == [delivery.pk]
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2


def test_an_undecryptable_secret_fails_the_attempt_with_a_clear_reason(http) -> None:  # noqa: ANN001
    channel = slack_channel(http)
    Channel.objects.filter(pk=channel.pk).update(secret="not-a-fernet-token")
    delivery = delivery_create(channel=channel, title="t", body="b")
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "cannot be decrypted" in delivery.response


def test_the_history_and_rules_pages_use_a_fixed_number_of_queries(
    paper_strategy, smtp, client, django_assert_max_num_queries
) -> None:  # noqa: ANN001
    channel = email_channel(smtp)
    for n in range(5):
        rule = AlertRule.objects.create(name=f"dd {n}", kind="drawdown", threshold=1 + n)
        rule.channels.set([channel])
    alerts_evaluate()
    client.force_login(UserFactory(role="operator"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("alerts:history")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("alerts:rules")).status_code == 200
