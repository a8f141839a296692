"""Acceptance: a weekly report appears in the archive on schedule (time travelled through beat's own
crontab) as a PDF, and the e-mail carrying it reaches the SMTP sink."""

from __future__ import annotations

import datetime as dt
import subprocess
import zoneinfo
from pathlib import Path

import pytest
from django.urls import reverse

from alerts.models_reports import ReportRun, ReportSchedule
from alerts.reports.services import report_run_execute, report_schedule_fire, report_schedule_save
from tests.alerts.conftest import email_channel, run_worker
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "alerts"


def _due(task, now: dt.datetime) -> bool:  # noqa: ANN001
    """Ask the beat row's own schedule (django-celery-beat's TzAwareCrontab) whether it is due at ``now``."""
    cron = task.crontab.schedule
    cron.nowfun = lambda: now.astimezone(cron.tz)
    return bool(cron.is_due(task.last_run_at).is_due)


def test_weekly_report_fires_on_schedule_and_its_pdf_reaches_the_smtp_sink(paper_strategy, smtp, client) -> None:  # noqa: ANN001
    schedule = report_schedule_save(schedule=ReportSchedule(
        name="Weekly risk", template="weekly_risk", minute="0", hour="7", day_of_week="1", timezone="America/New_York",
        recipients="cio@example.com, risk@example.com", channel=email_channel(smtp, to="unused@example.com"),
    ))  # fmt: skip
    task = schedule.periodic_task
    assert (task.task, task.queue, task.crontab.timezone.key) == (
        "alerts.run_report_schedule",
        "reports",
        "America/New_York",
    )
    task.last_run_at = dt.datetime(2024, 3, 4, 7, 0, 5, tzinfo=NY)  # it fired last Monday
    assert not _due(task, dt.datetime(2024, 3, 10, 23, 59, tzinfo=NY))  # Sunday night: not yet
    monday = dt.datetime(2024, 3, 11, 7, 0, 30, tzinfo=NY)  # 11:00 UTC (daylight saving time began on the 10th)
    assert monday.astimezone(dt.UTC).hour == 11 and _due(task, monday)

    run = report_schedule_fire(schedule_id=schedule.pk, now=monday)  # what the task does when beat fires
    assert (run.period_start, run.period_end) == (dt.date(2024, 3, 4), dt.date(2024, 3, 10))
    assert report_run_execute(run_id=run.pk).status == "succeeded"  # the reports worker
    run.refresh_from_db()
    assert run.pages >= 1 and Path(run.pdf_path).read_bytes().startswith(b"%PDF")

    run_worker()  # the alerts worker sends the e-mail
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["Subject"] == "Weekly risk, 2024-03-04 to 2024-03-10"
    assert sorted(smtp.envelopes[0].rcpt_tos) == ["cio@example.com", "risk@example.com"]
    pdf = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert len(pdf) == 1 and pdf[0].get_filename() == "report.pdf"
    assert pdf[0].get_payload(decode=True) == Path(run.pdf_path).read_bytes()

    text = subprocess.run(["pdftotext", run.pdf_path, "-"], capture_output=True, text=True, check=True).stdout
    words = " ".join(text.split())
    assert (
        "Momentum" in words and "0.88" in words and "8,650.00" in words and "-20.64" in words
    )  # equity $ and drawdown %
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", run.pdf_path,
                    str(ARTIFACTS / "weekly_risk_page1")], check=True)  # fmt: skip

    client.force_login(UserFactory(role="operator"))
    archive = client.get(reverse("alerts:reports")).content.decode()
    assert "Weekly risk, 2024-03-04 to 2024-03-10" in archive and "cio@example.com, risk@example.com" in archive
    detail = client.get(reverse("alerts:report", args=[run.pk])).content.decode()
    assert 'badge-ok">Sent</span>' in detail
    download = client.get(reverse("alerts:report_pdf", args=[run.pk]))
    assert download["Content-Type"] == "application/pdf" and b"".join(download.streaming_content).startswith(b"%PDF")
    assert ReportRun.objects.count() == 1
