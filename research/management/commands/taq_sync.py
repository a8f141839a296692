"""Build TAQ Tier 1 from WRDS millisecond TAQ, day by day, as a ``taq_sync`` job (progress bar; a rerun resumes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.cli import input_error, parse_date
from quant.models import Job
from research.services.taq_sync_job import taq_sync_job_run, taq_sync_queue, taq_sync_request


class Command(BaseCommand):
    help = (
        "Fetch TAQ trades and quotes from WRDS for --symbols over [--start, --end], clean, aggregate, publish Tier 1 "
        "(a job on the Jobs page; run here, or on the sync queue with --queue)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", required=True, help="comma-separated tickers (sym_root)")
        parser.add_argument("--start", required=True, type=parse_date, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, type=parse_date, help="YYYY-MM-DD")
        parser.add_argument("--exchanges", default="all", help="comma-separated exchange codes or 'all'")
        parser.add_argument("--queue", action="store_true", help="queue the job for a Celery worker and return")
        parser.add_argument("--force", action="store_true", help="a new job even when this sync already succeeded")

    def _bar(self, i: int, n: int, day: dt.date, status: str) -> None:
        filled = round(30 * i / n)
        self.stdout.write(f"[{'#' * filled}{'.' * (30 - filled)}] {i}/{n} {day} {status}")

    def handle(self, *args: Any, **opts: Any) -> None:
        symbols = [s.strip().upper() for s in opts["symbols"].split(",") if s.strip()]
        if not symbols:
            raise input_error("--symbols: give at least one ticker")
        exchanges = None if opts["exchanges"] == "all" else opts["exchanges"].split(",")
        request = {"symbols": symbols, "start": opts["start"], "end": opts["end"], "exchanges": exchanges,
                   "force": opts["force"]}  # fmt: skip
        try:
            if opts["queue"]:
                job = taq_sync_queue(**request)
                self.stdout.write(f"job #{job.pk} {job.status} on the sync queue")
                return
            job, created = taq_sync_request(**request)
        except ValueError as exc:
            raise input_error(str(exc)) from exc
        if not created and job.status == Job.Status.SUCCEEDED:
            self.stdout.write(f"job #{job.pk} already synced this: {job.message} (--force to run it again)")
            return
        outcome = taq_sync_job_run(job_id=job.pk, progress=self._bar)
        job.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"job #{job.pk} {job.status}: {job.error or outcome.error or job.message}")
        self.stdout.write(f"job #{job.pk}: {job.message}")
