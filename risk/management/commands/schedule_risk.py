"""Create the nightly risk-model PeriodicTask (django-celery-beat, queue "analytics"), once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from risk.services.jobs import nightly_schedule_ensure


class Command(BaseCommand):
    help = "Create the nightly risk model build schedule (weekdays, UTC) if it does not exist."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hour", type=int, default=6)
        parser.add_argument("--minute", type=int, default=30)

    def handle(self, *args: Any, **opts: Any) -> None:
        task, created = nightly_schedule_ensure(hour=int(opts["hour"]), minute=int(opts["minute"]))
        self.stdout.write(f"{'created' if created else 'exists'}: {task}")
