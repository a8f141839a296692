"""The console's editors and commands: rules and channels validated, schedules kept in step with
their beat rows, run-now, the other report templates rendered from real rows."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from alerts.models import AlertRule, Channel
from alerts.models_reports import ReportRun
from alerts.reports.render import render
from alerts.reports.services import report_run_execute
from quant.jobs.services import job_claim, job_create, job_finish
from research.models import ModelVersion, SignalReport
from tests.alerts.conftest import email_channel
from tests.factories import UserFactory
from warehouse.syncs.records import sync_job_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client):  # noqa: ANN001, ANN201
    client.force_login(UserFactory(role="operator", username="ops"))
    return client


def test_the_rule_editor_validates_and_saves_with_channels(ops, smtp) -> None:  # noqa: ANN001
    channel = email_channel(smtp)
    bad = ops.post(reverse("alerts:rule_new"), {"name": "dd", "kind": "drawdown", "severity": "warning",
                                                 "cooldown_minutes": 60})  # fmt: skip
    assert bad.status_code == 400 and "needs a threshold" in bad.content.decode()
    ok = ops.post(reverse("alerts:rule_new"), {"name": "dd", "kind": "drawdown", "threshold": "12.5", "severity":
                                                "critical", "channels": [channel.pk], "cooldown_minutes": 30,
                                                "enabled": "on"})  # fmt: skip
    assert ok.status_code == 302
    rule = AlertRule.objects.get(name="dd")
    assert (rule.threshold, rule.severity, list(rule.channels.all()), rule.created_by.username) == (
        12.5, "critical", [channel], "ops")  # fmt: skip
    ops.post(reverse("alerts:rule_toggle", args=[rule.pk]))
    assert not AlertRule.objects.get(pk=rule.pk).enabled
    page = ops.get(reverse("alerts:rules")).content.decode()
    assert "Strategy drawdown beyond 12.5 %" in page and ">Enable<" in page


def test_a_viewer_cannot_open_the_alert_pages(client) -> None:  # noqa: ANN001
    client.force_login(UserFactory(role="viewer"))
    assert client.get(reverse("alerts:history")).status_code == 403
    assert client.get(reverse("alerts:reports")).status_code == 403


def test_an_sms_channel_needs_its_twilio_account(ops) -> None:  # noqa: ANN001
    response = ops.post(reverse("alerts:channel_new"), {"name": "sms", "kind": "sms", "target": "+1555"})
    assert response.status_code == 400 and "Twilio account SID" in response.content.decode()
    assert not Channel.objects.exists()


def test_a_schedule_saved_in_the_console_owns_a_crontab_beat_row(ops, smtp) -> None:  # noqa: ANN001
    channel = email_channel(smtp)
    form = {"name": "Monthly", "template": "monthly_research", "minute": "30", "hour": "6", "day_of_week": "*",
            "day_of_month": "1", "timezone": "Europe/London", "recipients": "a@example.com", "channel": channel.pk,
            "enabled": "on"}  # fmt: skip
    assert ops.post(reverse("alerts:schedule_new"), {**form, "timezone": "Mars/Olympus"}).status_code == 400
    assert ops.post(reverse("alerts:schedule_new"), form).status_code == 302
    task = PeriodicTask.objects.get(task="alerts.run_report_schedule")
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_month, str(cron.timezone), task.queue) == (
        "30", "6", "1", "Europe/London", "reports")  # fmt: skip


def test_run_now_queues_a_report_job_and_the_archive_serves_its_files(ops, paper_strategy) -> None:  # noqa: ANN001
    response = ops.post(reverse("alerts:report_run"), {"template": "daily_performance", "end": "2024-03-06"})
    run = ReportRun.objects.get()
    assert response.status_code == 302 and run.job.status == "queued" and run.job.queue == "reports"
    assert ops.get(reverse("alerts:report_pdf", args=[run.pk])).status_code == 404  # not rendered yet
    report_run_execute(run_id=run.pk)
    html = ops.get(reverse("alerts:report_html", args=[run.pk])).content.decode()
    assert "Daily strategy performance, 2024-03-06" in html and "8,650.00" in html and "<svg" in html


def test_data_quality_and_monthly_research_reports_read_syncs_signals_and_the_registry(db, tmp_path) -> None:  # noqa: ANN001
    job = sync_job_create(source="demo", datasets=["crsp_daily"], mode="full")
    job_finish(claim=job_claim(job_id=job.pk), status="failed", message="failed", error="HTTP 503")
    signal_job = job_create(kind="signal_report")
    SignalReport.objects.create(job=signal_job, signal="momentum", definition_hash="d", data_hash="h", horizon=21,
                                n_dates=240, ic_mean=0.0312, icir=0.41, ic_t_stat=6.35, rank_ic_mean=0.0288,
                                hit_rate=0.57)  # fmt: skip
    ModelVersion.objects.create(name="usa_risk", version=3, kind="risk_model", config_hash="c", path="/x")
    today = dt.date.today()
    quality = render("data_quality", today - dt.timedelta(days=6), today)
    assert "Syncs (1, 1 failed)" in quality.html and "crsp_daily" in quality.html
    research = render("monthly_research", today - dt.timedelta(days=29), today)
    text = " ".join(research.html.split())
    assert "momentum" in text and "0.0312" in text and "6.35" in text and "57.0" in text and "usa_risk" in text
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(research.pdf)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == str(research.pages)


def test_the_commands_evaluate_rules_and_render_a_report(paper_strategy) -> None:  # noqa: ANN001
    AlertRule.objects.create(name="dd", kind="drawdown", threshold=10)
    out = StringIO()
    call_command("alerts_evaluate", stdout=out)
    assert out.getvalue().startswith("raised 1, repeated 0, resolved 0")
    out = StringIO()
    call_command("report_run", "weekly_risk", "--end", "2024-03-10", stdout=out)
    assert "Weekly risk, 2024-03-04 to 2024-03-10: 1 page(s)" in out.getvalue()
