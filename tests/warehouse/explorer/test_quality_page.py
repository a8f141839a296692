"""Data-quality page: validation history (versions and a quarantined attempt), anomalies, acknowledgement,
and the validation_failed event sent on a quarantined publish."""

from __future__ import annotations

import polars as pl
import pytest
from django.urls import reverse

from quant.events import validation_failed
from tests.factories import UserFactory
from tests.warehouse.conftest import demo_frames
from warehouse.models_explorer import AnomalyAck
from warehouse.publish import ValidationFailed, publish_dataset

pytestmark = pytest.mark.django_db


def test_versions_anomalies_acknowledgement_and_the_validation_event(client, wh):
    frame = demo_frames()["crsp_daily"]
    publish_dataset("crsp_daily", frame, source="test", query_hash="q", writer="test")
    fewer = frame.filter(pl.col("permno") != 10004)  # 3 of 4 securities: 25 % fewer rows
    hole = (pl.col("permno") == 10003) & (pl.col("date") < pl.date(2019, 11, 13))  # 8 sessions: +3.3 points
    holes = fewer.with_columns(prc=pl.when(hole).then(None).otherwise(pl.col("prc")))
    publish_dataset("crsp_daily", holes, source="test", query_hash="q", writer="test", allow_shrink=True)
    sent = []
    validation_failed.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="test-quality")
    try:
        with pytest.raises(ValidationFailed):
            publish_dataset("crsp_daily", frame.with_columns(ret=pl.lit(-3.0)), source="test", query_hash="q",
                            writer="test")  # fmt: skip
    finally:
        validation_failed.disconnect(dispatch_uid="test-quality")
    assert sent[0]["dataset"] == "crsp_daily" and sent[0]["report"]["rules"][0] is not None
    operator = UserFactory(role="operator")
    client.force_login(operator)
    html = client.get(reverse("warehouse:quality", args=["crsp_daily"])).content.decode()
    null_rate = holes["prc"].null_count() / holes.height
    assert f"v2: prc null rate {null_rate:.1%} (was 0.0%)" in html
    assert f"v2: {holes.height:,} rows, {holes.height / frame.height - 1:.1%} vs {frame.height:,}" in html
    assert html.count('<span class="badge badge-bad">quarantined</span>') == 1 and "0 (all dropped)" in html
    assert f'<span class="badge badge-bad">return_gt_minus_one:ret</span> {frame.height:,} rows<br>' in html
    fragment = client.post(reverse("warehouse:quality_ack", args=["crsp_daily"]),
                           {"kind": "row_drop", "key": "v2", "note": "10004 delisted upstream"},
                           headers={"HX-Request": "true"}).content.decode().strip()  # fmt: skip
    assert fragment.startswith('<section id="warehouse-anomalies"') and "10004 delisted upstream" in fragment
    assert AnomalyAck.objects.get().by == operator
    client.force_login(UserFactory(role="viewer"))
    assert client.post(reverse("warehouse:quality_ack", args=["crsp_daily"]), {"kind": "row_drop", "key": "v2"}
                       ).status_code == 403  # fmt: skip


def test_a_quarantined_publish_raises_a_sync_alert_at_once(wh) -> None:
    from alerts.models import Alert, AlertRule

    AlertRule.objects.create(name="data", kind="sync_failed")
    frame = demo_frames()["crsp_daily"]
    with pytest.raises(ValidationFailed):
        bad = frame.with_columns(ret=pl.lit(-3.0))
        publish_dataset("crsp_daily", bad, source="test", query_hash="q", writer="test")
    alert = Alert.objects.get()
    assert (alert.subject, alert.status) == ("crsp_daily", "open")
    assert alert.message == "a new version of crsp_daily failed validation (quarantined, not published)"


def test_the_data_stale_rule_counts_hours_since_the_live_version_was_published(wh) -> None:
    import datetime as dt

    from alerts.conditions import data_stale
    from alerts.models import AlertRule
    from warehouse import storage

    publish_dataset("crsp_daily", demo_frames()["crsp_daily"], source="test", query_hash="q", writer="test")
    created = dt.datetime.fromisoformat(storage.load_manifest("crsp_daily", 1).created)
    rule = AlertRule.objects.create(name="stale", kind="data_stale", threshold=24)
    assert data_stale(rule, created + dt.timedelta(hours=10)) == []
    (finding,) = data_stale(rule, created + dt.timedelta(hours=30))
    assert (finding.subject, finding.value) == ("crsp_daily", pytest.approx(30.0))
    assert finding.message == "crsp_daily last published 30.0 h ago (limit 24 h)"
