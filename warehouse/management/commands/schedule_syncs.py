"""schedule_syncs: create or update the nightly sync schedules (django-celery-beat). Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from warehouse.syncs.schedules import schedule_syncs


class Command(BaseCommand):
    help = "Create or update the nightly WRDS and weekly Ken French sync schedules (django-celery-beat)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--disable", action="store_true", help="Keep the schedules but disable them.")

    def handle(self, *args: object, **opts: object) -> None:
        for task, created in schedule_syncs(enabled=not opts["disable"]):
            verb = "created" if created else "updated"
            state = "enabled" if task.enabled else "disabled"
            self.stdout.write(f"{task.name}: {verb}, {state}, {task.crontab} -> {task.task} {task.kwargs}")
