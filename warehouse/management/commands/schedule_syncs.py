"""schedule_syncs: create or update the nightly sync schedules (django-celery-beat). Idempotent."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

TIMEZONE = "America/New_York"


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    minute: str
    hour: str
    day_of_week: str
    kwargs: dict[str, object]
    description: str


SCHEDULES = (
    # WRDS refreshes overnight; Tuesday–Saturday 02:30 New York picks up each weekday's update.
    Schedule("wrds-incremental-nightly", "warehouse.tasks.wrds_sync", "30", "2", "2-6", {"mode": "incremental"},
             "Incremental sync of every WRDS dataset from its watermark."),
    # The French library updates monthly; a weekly pull is cheap and catches revisions.
    Schedule("french-weekly", "warehouse.tasks.french_sync", "0", "4", "0", {"retry_count": 3},
             "Ken French factors and industry portfolios."),
)  # fmt: skip


def schedule_syncs(*, enabled: bool = True) -> list[tuple[PeriodicTask, bool]]:
    """Create/update one PeriodicTask per `SCHEDULES` entry; returns (task, created) pairs."""
    out = []
    with transaction.atomic():
        for s in SCHEDULES:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=s.minute, hour=s.hour, day_of_week=s.day_of_week, day_of_month="*", month_of_year="*",
                timezone=TIMEZONE,
            )  # fmt: skip
            task, created = PeriodicTask.objects.update_or_create(
                name=s.name,
                defaults={
                    "task": s.task,
                    "crontab": crontab,
                    "interval": None,
                    "kwargs": json.dumps(s.kwargs),
                    "queue": "sync",
                    "enabled": enabled,
                    "description": s.description,
                },  # fmt: skip
            )
            out.append((task, created))
    return out


class Command(BaseCommand):
    help = "Create or update the nightly WRDS and weekly Ken French sync schedules (django-celery-beat)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--disable", action="store_true", help="Keep the schedules but disable them.")

    def handle(self, *args: object, **opts: object) -> None:
        for task, created in schedule_syncs(enabled=not opts["disable"]):
            verb = "created" if created else "updated"
            state = "enabled" if task.enabled else "disabled"
            self.stdout.write(f"{task.name}: {verb}, {state}, {task.crontab} -> {task.task} {task.kwargs}")
