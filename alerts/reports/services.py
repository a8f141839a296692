"""Report writes: run now, run on a schedule (its own django-celery-beat crontab), render, archive, e-mail."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from alerts.delivery import delivery_create
from alerts.models import Delivery
from alerts.models_reports import ReportRun, ReportSchedule
from alerts.reports.data import period
from alerts.reports.render import render, report_title, write
from quant.jobs.runner import JobRun, RunOutcome, job_run
from quant.jobs.services import job_create, job_queue
from quant.models import Job

REPORT_KIND = "report"
TASK = "alerts.run_report_schedule"


class ReportError(ValueError):
    """A report request the services refuse (one line)."""


def reports_dir() -> Path:
    return Path(settings.DATA_DIR) / "reports"


def report_run_create(
    *,
    template: str,
    end: dt.date,
    schedule: ReportSchedule | None = None,
    user: Any = None,
    recipients: str = "",
    queue: bool = True,
) -> ReportRun:
    """An archive row and its render job, queued after commit on the ``reports`` queue (``queue=False``:
    the caller runs :func:`report_run_execute` itself, as ``manage.py report_run`` does)."""
    from alerts.tasks import render_report

    start, end = period(template, end)
    with transaction.atomic():
        run = ReportRun.objects.create(schedule=schedule, template=template, title=report_title(template, start, end),
                                       period_start=start, period_end=end, requested_by=user,
                                       recipients=recipients or (schedule.recipients if schedule else ""))  # fmt: skip
        run.job = job_create(kind=REPORT_KIND, label=run.title, requested_by=user, params={"report_run_id": run.pk},
                             queue="reports")  # fmt: skip
        run.save(update_fields=["job"])
        if queue:
            job_queue(job=run.job, task=render_report, args=(run.pk,))
    return run


def report_run_execute(*, run_id: int, task_id: str = "") -> RunOutcome | None:
    """Render the run's HTML and PDF into the archive, then e-mail the PDF to its recipients."""
    run = ReportRun.objects.select_related("schedule__channel").get(pk=run_id)
    if run.job_id is None:
        return None

    def body(job: JobRun) -> str:
        job.progress(0.1, "reading data", force=True)
        rendered = render(run.template, run.period_start, run.period_end)
        job.progress(0.8, "writing files", force=True)
        html_path, pdf_path = write(rendered, reports_dir() / str(run.pk))
        ReportRun.objects.filter(pk=run.pk).update(html_path=str(html_path), pdf_path=str(pdf_path),
                                                   pages=rendered.pages)  # fmt: skip
        run.pdf_path, run.pages = str(pdf_path), rendered.pages
        _distribute(run)
        return f"{rendered.pages} page(s); e-mailed to {len(run.recipient_list())} recipient(s)"

    return job_run(job_id=run.job_id, task_id=task_id, body=body)


def _distribute(run: ReportRun) -> Delivery | None:
    if not run.recipient_list() or run.schedule is None:
        return None
    body = f"{run.title}\n\nThe report is attached as a PDF ({run.pages} page(s)).\n"
    return delivery_create(channel=run.schedule.channel, report=run, to=",".join(run.recipient_list()),
                           title=run.title, body=body)  # fmt: skip


def report_requeue(job: Job) -> None:
    from alerts.tasks import render_report

    run = ReportRun.objects.filter(job=job).first()
    if run is not None:
        job_queue(job=job, task=render_report, args=(run.pk,))


def report_result_url(job: Job) -> str | None:
    run = ReportRun.objects.filter(job=job).first()
    return reverse("alerts:report", args=[run.pk]) if run else None


def report_schedule_save(*, schedule: ReportSchedule) -> ReportSchedule:
    """Save the schedule and keep its beat row (crontab in its time zone) in step."""
    try:
        zoneinfo.ZoneInfo(schedule.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ReportError(f"unknown time zone {schedule.timezone!r}") from exc
    with transaction.atomic():
        schedule.save()
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=schedule.minute, hour=schedule.hour, day_of_week=schedule.day_of_week,
            day_of_month=schedule.day_of_month, month_of_year="*", timezone=schedule.timezone,
        )  # fmt: skip
        values = {"crontab": crontab, "interval": None, "task": TASK, "queue": "reports",
                  "kwargs": json.dumps({"schedule_id": schedule.pk}), "enabled": schedule.enabled,
                  "description": f"Report {schedule.name!r}: {schedule.get_template_display()}"}  # fmt: skip
        task, _ = PeriodicTask.objects.update_or_create(
            name=f"report: {schedule.name} (#{schedule.pk})", defaults=values
        )
        if schedule.periodic_task_id != task.pk:
            if schedule.periodic_task_id:
                PeriodicTask.objects.filter(pk=schedule.periodic_task_id).delete()
            schedule.periodic_task = task
            schedule.save(update_fields=["periodic_task"])
    return schedule


def report_schedule_fire(*, schedule_id: int, now: dt.datetime | None = None) -> ReportRun | None:
    """Beat fired the schedule: render the period that ended yesterday in the schedule's time zone."""
    schedule = ReportSchedule.objects.select_related("channel").filter(pk=schedule_id, enabled=True).first()
    if schedule is None:
        return None
    local = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(schedule.timezone))
    return report_run_create(template=schedule.template, end=local.date() - dt.timedelta(days=1), schedule=schedule)
