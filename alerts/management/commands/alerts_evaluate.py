"""Evaluate every enabled alert rule now (what beat's ``alerts: evaluate rules`` does every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from alerts.delivery import deliveries_retry
from alerts.services import alerts_evaluate


class Command(BaseCommand):
    help = "Evaluate the alert rules: raise what holds, resolve what cleared; then queue due delivery retries."

    def handle(self, *args: Any, **options: Any) -> None:
        report = alerts_evaluate()
        retried = deliveries_retry()
        self.stdout.write(f"raised {len(report.raised)}, repeated {len(report.repeated)}, resolved "
                          f"{len(report.resolved)}, retries queued {len(retried)}")  # fmt: skip
        for error in report.errors:
            self.stderr.write(f"rule error: {error}")
