"""Sync dashboard: per-dataset state, next runs, trigger (operator, step-up, audit), schedule edits, log."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import polars as pl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from quant.models import AccessLog, Job
from quant.schedules import schedules_sync
from tests.factories import UserFactory
from tests.support.otp import login_verified, totp_code
from tests.warehouse.conftest import demo_frames
from warehouse.models_sync import SyncRun
from warehouse.publish import publish_dataset
from warehouse.syncs.dashboard import next_run
from warehouse.syncs.records import sync_job_create

pytestmark = pytest.mark.django_db
DASH = reverse("warehouse:sync_dashboard")


def _operator(client):
    user = UserFactory.with_role("operator", enrolled=True)
    device = user.totpdevice_set.get()
    login_verified(client, device)
    return user, device


def test_the_dashboard_lists_each_dataset_with_its_version_rows_and_next_run(client, catalog):
    schedules_sync(names=["french-weekly"], enable=["french-weekly"])
    job = sync_job_create(source="wrds", datasets=["crsp_daily"], mode="incremental")
    Job.objects.filter(pk=job.pk).update(status="running", progress=0.4, message="year 2019 saved (2/5)",
                                         started_at=timezone.now(), heartbeat_at=timezone.now())  # fmt: skip
    client.force_login(UserFactory(role="viewer"))
    html = client.get(DASH).content.decode()
    assert '<tr data-dataset="crsp_daily">' in html and f"{catalog['crsp_daily']:,}" in html
    assert "year 2019 saved (2/5)" in html and 'value="40"' in html and 'hx-trigger="every 2s"' in html
    assert "Sync now" not in html  # a viewer has no controls
    task = PeriodicTask.objects.get(name="french-weekly")
    when = next_run(task)
    ny = when.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert (ny.weekday(), ny.hour, ny.minute) == (6, 4, 0) and when - timezone.now() <= dt.timedelta(days=7)
    assert f"{when:%Y-%m-%d %H:%M}" in html  # next run of ff_factors / ff_industries
    fragment = client.get(DASH, headers={"HX-Request": "true"}).content.decode().strip()
    assert fragment.startswith('<section id="warehouse-sync-running"') and fragment.endswith("</section>")


def test_an_operator_triggers_a_sync_after_the_step_up_and_it_is_audited(client, catalog, settings):
    settings.CELERY_BROKER_URL = None
    _, device = _operator(client)
    url = reverse("warehouse:sync_trigger")
    form = {"source": "wrds", "dataset": "crsp_monthly"}
    asked = client.post(url, form)
    assert "step_up_token" in asked.content.decode() and not Job.objects.filter(kind="sync").exists()
    done = client.post(url, {**form, "step_up_token": totp_code(device), "step_up_reason": "WRDS fixed a row"})
    job = Job.objects.get(kind="sync")
    assert done.status_code == 302 and done["Location"] == reverse("warehouse:sync_log", args=[job.pk])
    assert job.params["datasets"] == ["crsp_monthly"] and job.params["mode"] == "incremental"
    assert SyncRun.objects.get(job=job).dataset == "crsp_monthly"
    log = AccessLog.objects.get(action="control")
    assert log.name == "warehouse.sync_trigger" and log.reason == "WRDS fixed a row"
    bad = client.post(url, {"source": "wrds", "dataset": "taq_daily", "step_up_token": totp_code(device, steps_ahead=1),
                            "step_up_reason": "x"})  # fmt: skip
    assert bad.status_code == 302 and Job.objects.filter(kind="sync").count() == 1
    assert AccessLog.objects.filter(action="refused", name="warehouse.sync_trigger").exists()


def test_a_viewer_cannot_trigger_or_edit_schedules(client, catalog):
    client.force_login(UserFactory(role="viewer"))
    assert client.post(reverse("warehouse:sync_trigger"), {"source": "demo"}).status_code == 403
    assert client.post(reverse("warehouse:schedule_edit", args=["french-weekly"]), {}).status_code == 403


def test_an_operator_edits_a_schedule_crontab_time_zone_and_switch(client, catalog):
    schedules_sync(names=["french-weekly"], enable=["french-weekly"])
    _, device = _operator(client)
    url = reverse("warehouse:schedule_edit", args=["french-weekly"])
    cron = {"minute": "15", "hour": "3", "day_of_week": "1-5", "day_of_month": "*", "month_of_year": "*"}
    form = {**cron, "timezone": "Europe/London", "step_up_token": totp_code(device), "step_up_reason": "after UK close"}
    assert client.post(url, form).status_code == 302
    task = PeriodicTask.objects.select_related("crontab").get(name="french-weekly")
    c = task.crontab
    assert (c.minute, c.hour, c.day_of_week, str(c.timezone), task.enabled) == (
        "15",
        "3",
        "1-5",
        "Europe/London",
        False,
    )
    wrong = {**form, "minute": "75", "enabled": "on", "step_up_token": totp_code(device, steps_ahead=1)}
    client.post(url, wrong)
    task.refresh_from_db()
    assert task.crontab.minute == "15" and not task.enabled
    assert "Invalid crontab" in AccessLog.objects.get(action="refused").reason


def test_the_log_page_shows_the_job_log_and_the_validation_report_of_a_quarantined_publish(client, wh):
    job = sync_job_create(source="wrds", datasets=["crsp_daily"], mode="incremental")
    start = timezone.now() - dt.timedelta(seconds=2)
    bad = demo_frames()["crsp_daily"].with_columns(ret=pl.lit(-2.0))  # returns below -100 %: refused
    with pytest.raises(Exception):  # noqa: B017 - the publish raises its validation failure
        publish_dataset("crsp_daily", bad, source="wrds", query_hash="q", writer="test")
    Job.objects.filter(pk=job.pk).update(status="failed", started_at=start, finished_at=timezone.now(),
                                         log="02:30:01 downloading 2019\n02:30:09 validation failed\n",
                                         error="ValidationFailed: crsp_daily")  # fmt: skip
    client.force_login(UserFactory(role="viewer"))
    html = client.get(reverse("warehouse:sync_log", args=[job.pk])).content.decode()
    assert "02:30:01 downloading 2019" in html and "ValidationFailed: crsp_daily" in html
    assert "Validation report: crsp_daily quarantined" in html and 'badge-bad">failed' in html
    assert f'<td class="num">{bad.height:,}</td>' in html  # every row fails the return rule
    assert 'hx-trigger="every 2s"' not in html
    assert client.get(reverse("warehouse:sync_log", args=[999999])).status_code == 404


def test_a_demo_rebuild_keeps_the_live_demo_size_unless_told_otherwise(wh, settings):
    import json

    from warehouse.syncs.controls import sync_trigger

    settings.CELERY_BROKER_URL = None
    (wh / "_sync").mkdir(parents=True)
    (wh / "_sync" / "demo.json").write_text(json.dumps({"config": {"stocks": 120, "years": 4, "seed": 9}}))
    kept = sync_trigger(source="demo")[0].params
    resized = sync_trigger(source="demo", stocks=60, years=2)[0].params
    assert (kept["stocks"], kept["years"], kept["seed"], kept["force"]) == (120, 4, 9, True)
    assert (resized["stocks"], resized["years"], resized["seed"]) == (60, 2, 9)
