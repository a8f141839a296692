"""Scheduled reports: what to render, when (a django-celery-beat crontab) and for whom; the archive."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportTemplate(models.TextChoices):
    DAILY_PERFORMANCE = "daily_performance", "Daily strategy performance"
    WEEKLY_RISK = "weekly_risk", "Weekly risk"
    MONTHLY_RESEARCH = "monthly_research", "Monthly research"
    DATA_QUALITY = "data_quality", "Data quality"


class ReportSchedule(models.Model):
    """A report rendered on a crontab in a time zone and e-mailed (PDF attached) to ``recipients``.

    ``periodic_task`` is the django-celery-beat row beat fires (kept in step by
    ``alerts.reports.services.report_schedule_save``); ``channel`` is the e-mail channel whose
    SMTP relay sends it.
    """

    name = models.CharField(max_length=120, unique=True)
    template = models.CharField(max_length=24, choices=ReportTemplate.choices)
    minute = models.CharField(max_length=20, default="0")
    hour = models.CharField(max_length=20, default="7")
    day_of_week = models.CharField(max_length=20, default="*")
    day_of_month = models.CharField(max_length=20, default="*")
    timezone = models.CharField(max_length=64, default="UTC")
    recipients = models.CharField(max_length=500, help_text="e-mail addresses, comma-separated")
    channel = models.ForeignKey("alerts.Channel", on_delete=models.PROTECT, related_name="report_schedules")
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def cron(self) -> str:
        return f"{self.minute} {self.hour} {self.day_of_month} * {self.day_of_week} ({self.timezone})"

    def recipient_list(self) -> list[str]:
        return [a.strip() for a in self.recipients.split(",") if a.strip()]


class ReportRun(models.Model):
    """One rendered report in the archive: its HTML and PDF files, the period it covers, who got it."""

    schedule = models.ForeignKey(ReportSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    template = models.CharField(max_length=24, choices=ReportTemplate.choices)
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    job = models.ForeignKey("quant.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    html_path = models.CharField(max_length=500, blank=True)
    pdf_path = models.CharField(max_length=500, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    recipients = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.period_end})"

    def recipient_list(self) -> list[str]:
        return [a.strip() for a in self.recipients.split(",") if a.strip()]
