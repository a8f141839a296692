"""Conditions read from the rest of the platform: the sync recorder announcing a failure, the health
snapshot's bad cards and the request-latency card's P95."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.cache import cache

from alerts.models import Alert, AlertRule
from alerts.services import alerts_evaluate
from quant.web.health import CheckResult, refresh_snapshot, register_check, unregister_check
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


def test_health_down_and_latency_p95_read_the_health_cards() -> None:
    from console import latency

    cache.clear()
    latency.reset()
    samples = np.arange(1.0, 201.0)  # 1..200 ms
    for ms in samples:
        latency.record(float(ms))
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
    assert slow.value == pytest.approx(round(float(np.percentile(samples, 95)), 1))  # 190.05 → the card's 190.1 ms
    assert not Alert.objects.filter(rule__name="very slow").exists()
