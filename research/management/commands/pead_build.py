"""Compute PEAD by SUE decile on the warehouse now (the job the PEAD page queues): ``manage.py pead_build``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quant.cli import input_error
from research.io import InputError
from research.services.pead import pead_job_run, pead_latest, pead_request


class Command(BaseCommand):
    help = "Compute and publish post-earnings-announcement drift by SUE decile for the current warehouse."

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            job, created = pead_request()
        except InputError as exc:
            raise input_error(str(exc)) from exc
        if created or job.is_active:
            outcome = pead_job_run(job_id=job.pk)
            self.stdout.write(f"job #{job.pk}: {outcome.status} ({outcome.detail})")
        result = pead_latest()
        if result is None:
            raise input_error(f"job #{job.pk} did not publish a result; see the Jobs page")
        self.stdout.write("decile  events  announcement %  drift %  (s.e.)")
        for r in result.table.iter_rows(named=True):
            self.stdout.write(f"{r['decile']:>6} {r['n']:>7} {r['announcement'] * 100:>15.2f} {r['drift'] * 100:>8.2f}"
                              f"  ({r['drift_se'] * 100:.2f})")  # fmt: skip
