"""The nightly sync schedules (django-celery-beat rows), created or updated idempotently.

Used by the `schedule_syncs` command and the quickstart step "Schedule the nightly syncs". In embedded
mode (no ``REDIS_URL``: no Celery beat) without WRDS credentials the quickstart creates them disabled:
a nightly WRDS sync could only fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from warehouse.sources.wrds.client import WrdsConfig

TIMEZONE = "America/New_York"
QUEUE = "sync"


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


def schedule_syncs(*, enabled: bool = True, keep_state: bool = False) -> list[tuple[PeriodicTask, bool]]:
    """Create/update one PeriodicTask per `SCHEDULES` entry; returns (task, created) pairs.

    ``keep_state``: an existing schedule keeps its enabled flag (an operator's choice survives a
    re-run); only new schedules get ``enabled``.
    """
    out = []
    with transaction.atomic():
        for s in SCHEDULES:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=s.minute, hour=s.hour, day_of_week=s.day_of_week, day_of_month="*", month_of_year="*",
                timezone=TIMEZONE,
            )  # fmt: skip
            existing = PeriodicTask.objects.filter(name=s.name).first()
            state = existing.enabled if keep_state and existing is not None else enabled
            task, created = PeriodicTask.objects.update_or_create(
                name=s.name,
                defaults={
                    "task": s.task, "crontab": crontab, "interval": None, "kwargs": json.dumps(s.kwargs),
                    "queue": QUEUE, "enabled": state, "description": s.description,
                },
            )  # fmt: skip
            out.append((task, created))
    return out


def scheduled_syncs() -> list[PeriodicTask]:
    """The sync schedules that exist, in `SCHEDULES` order."""
    rows = PeriodicTask.objects.select_related("crontab").filter(name__in=[s.name for s in SCHEDULES])
    found = {t.name: t for t in rows}
    return [found[s.name] for s in SCHEDULES if s.name in found]


def embedded_mode() -> bool:
    """No Redis: jobs run in-process and there is no Celery beat to fire the schedules."""
    return not settings.REDIS_URL


def wrds_credentials_configured() -> bool:
    return bool(WrdsConfig.from_settings().username)


def default_enabled() -> bool:
    """Schedules start enabled unless embedded mode has no WRDS credentials to sync with."""
    return not (embedded_mode() and not wrds_credentials_configured())
