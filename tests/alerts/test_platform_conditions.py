"""Conditions read from the rest of the platform: the sync recorder announcing a failure, the health
snapshot's bad cards and the request-latency card's P95."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.cache import cache
from django.urls import reverse

from alerts.models import Alert, AlertRule
from alerts.services import alerts_evaluate
from quant.web.health import CheckResult, refresh_snapshot, register_check, unregister_check
from tests.factories import UserFactory
from warehouse.syncs.records import OrmRecorder

pytestmark = pytest.mark.django_db


def test_a_failed_sync_announces_itself_and_raises_at_once(db, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    AlertRule.objects.create(name="syncs", kind="sync_failed", severity="critical")
    recorder = OrmRecorder()
    run_id = recorder.start(dataset="crsp_daily", source="wrds", mode="incremental")
    with django_capture_on_commit_callbacks(execute=True):
        recorder.finish(run_id, status="failed", error="WRDS answered 503\nretry later")
    alert = Alert.objects.get()
    assert (alert.subject, alert.message, alert.severity) == (
        "crsp_daily",
        "sync of crsp_daily failed: WRDS answered 503",
        "critical",
    )
    refused = recorder.start(dataset="ff_factors", source="french", mode="full")
    with django_capture_on_commit_callbacks(execute=True):
        recorder.finish(refused, status="refused", error="another writer holds the warehouse lock")
    assert Alert.objects.count() == 1  # a refused sync (lock busy) is not a failure worth paging about


def test_health_down_reads_the_health_cards_and_latency_p95_every_web_process() -> None:
    from console import latency
    from quant.web import latency as shared

    cache.clear()
    latency.reset()
    samples = np.arange(1.0, 201.0)  # 1..200 ms in the slow web process
    for ms in samples:
        latency.record(float(ms))
    shared.publish(latency.percentiles(), process="web-1:101")  # as its middleware does every 15 s
    shared.publish({"count": 50, "p50": 20.0, "p95": 60.0, "p99": 80.0}, process="web-2:202")
    register_check("Broken thing", lambda: CheckResult("bad", "disk full"), order=999, inline=True)
    try:
        refresh_snapshot()
        AlertRule.objects.create(name="down", kind="health_down")
        AlertRule.objects.create(name="slow", kind="latency_p95", threshold=150)
        AlertRule.objects.create(name="very slow", kind="latency_p95", threshold=200)
        alerts_evaluate()
    finally:
        unregister_check("Broken thing")
        latency.reset()
        cache.clear()
    down = Alert.objects.get(rule__name="down", subject="Broken thing")
    assert down.message == "health check Broken thing is down: disk full"
    slow = Alert.objects.get(rule__name="slow")
    assert slow.value == pytest.approx(round(float(np.percentile(samples, 95)), 1))  # 190.05 → 190.1 ms
    assert slow.message == "web latency P95 190 ms over 2 process(es) (limit 150 ms)"
    assert not Alert.objects.filter(rule__name="very slow").exists()


def test_a_web_process_publishes_its_window_for_other_processes(client) -> None:
    from quant.web import latency as shared

    cache.clear()
    shared._last_published = 0.0
    client.force_login(UserFactory(role="viewer"))
    client.get(reverse("console:home"))
    window = shared.published()[shared.process_name()]
    assert window["count"] >= 1 and window["p95"] > 0
    cache.delete(shared.PREFIX + shared.process_name())
    assert shared.published() == {}  # an expired process drops out
