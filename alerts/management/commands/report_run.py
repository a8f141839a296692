"""Render a report now into the archive (HTML and PDF), in this process."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from alerts.models_reports import ReportRun, ReportTemplate
from alerts.reports.services import report_run_create, report_run_execute


class Command(BaseCommand):
    help = "Render a report (daily_performance, weekly_risk, monthly_research, data_quality) into the archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("template", choices=ReportTemplate.values)
        parser.add_argument("--end", help="last day covered, YYYY-MM-DD (default: yesterday)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            end = (
                dt.date.fromisoformat(options["end"]) if options["end"] else timezone.localdate() - dt.timedelta(days=1)
            )
        except ValueError as exc:
            raise CommandError(f"--end must be YYYY-MM-DD: {exc}") from exc
        run = report_run_create(template=options["template"], end=end, queue=False)
        outcome = report_run_execute(run_id=run.pk)
        run = ReportRun.objects.get(pk=run.pk)
        if outcome is None or outcome.status != "succeeded":
            raise CommandError(f"report #{run.pk} failed: {outcome.detail if outcome else 'no job'}")
        self.stdout.write(f"{run.title}: {run.pages} page(s)\n  {run.html_path}\n  {run.pdf_path}")
