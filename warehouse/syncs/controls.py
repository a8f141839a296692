"""Operator controls of the sync dashboard: trigger a sync now, edit a sync schedule.

Both are console controls (``quant.use_controls``, 2FA, a step-up code and a written reason: the
views' decorators record the AccessLog row); schedule rows are also tracked by django-auditlog.
"""

from __future__ import annotations

import json
import zoneinfo
from dataclasses import dataclass

from celery.schedules import crontab
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from quant.models import Job
from warehouse import storage
from warehouse.schedules import SCHEDULES
from warehouse.services import DEMO_SOURCE
from warehouse.sources.demo.config import DemoConfig
from warehouse.sources.wrds.queries import DATASETS as WRDS_DATASETS
from warehouse.syncs.dashboard import FRENCH
from warehouse.syncs.manager import SOURCE as WRDS
from warehouse.syncs.records import sync_job_create
from warehouse.syncs.service import sync_job_requeue

SOURCES = {DEMO_SOURCE: "Demo generator (whole warehouse)", WRDS: "WRDS (incremental)", "kenfrench": "Ken French"}
SYNC_SCHEDULES = tuple(s.name for s in SCHEDULES if s.operator_timing)  # the ones this dashboard times


class ControlRefused(ValueError):
    """The request names an unknown source, dataset or an invalid schedule; the message says which."""


def demo_defaults() -> dict[str, int]:
    """The live demo's stocks, years and seed (so a rebuild keeps its size), else DemoConfig's defaults."""
    try:
        config = json.loads((storage.warehouse_dir() / "_sync" / f"{DEMO_SOURCE}.json").read_text())["config"]
        return {k: int(config[k]) for k in ("stocks", "years", "seed")}
    except (FileNotFoundError, KeyError, TypeError, ValueError):
        base = DemoConfig()
        return {"stocks": base.stocks, "years": base.years, "seed": base.seed}


def sync_trigger(
    *, source: str, dataset: str = "", requested_by: object = None, stocks: int | None = None,
    years: int | None = None, seed: int | None = None,
) -> list[Job]:  # fmt: skip
    """Queue a sync of ``dataset`` (or every dataset of ``source``) now; one job per WRDS dataset. A
    demo rebuild keeps the live demo's size unless ``stocks``/``years`` say otherwise."""
    if source not in SOURCES:
        raise ControlRefused(f"Unknown source {source!r}; choose {', '.join(SOURCES)}.")
    with transaction.atomic():
        if source == WRDS:
            if dataset and dataset not in WRDS_DATASETS:
                raise ControlRefused(f"{dataset} is not a WRDS dataset; choose {', '.join(WRDS_DATASETS)}.")
            jobs = [sync_job_create(source=WRDS, datasets=[d], mode="incremental", requested_by=requested_by,
                                    params={"start_year": None, "end_year": None})
                    for d in ([dataset] if dataset else WRDS_DATASETS)]  # fmt: skip
        elif source == "kenfrench":
            if dataset and dataset not in FRENCH:
                raise ControlRefused(f"{dataset} does not come from Ken French; choose {', '.join(FRENCH)}.")
            params = {"files": None, "path": None, "retry_count": 3, "pause": 1.0}
            jobs = [sync_job_create(source="kenfrench", datasets=FRENCH, mode="full", params=params,
                                    requested_by=requested_by)]  # fmt: skip
        else:
            live = demo_defaults()
            stocks, years, seed = stocks or live["stocks"], years or live["years"], seed or live["seed"]
            try:
                DemoConfig(stocks=stocks, years=years, seed=seed)
            except ValueError as exc:
                raise ControlRefused(str(exc)) from None
            params = {"stocks": stocks, "years": years, "seed": seed, "force": True}
            jobs = [sync_job_create(source=DEMO_SOURCE, datasets=[], mode="full", params=params,
                                    requested_by=requested_by)]  # fmt: skip
        for job in jobs:
            sync_job_requeue(job)
    return jobs


@dataclass(frozen=True)
class ScheduleEdit:
    minute: str
    hour: str
    day_of_week: str
    day_of_month: str
    month_of_year: str
    timezone: str
    enabled: bool


def schedule_update(*, name: str, edit: ScheduleEdit) -> PeriodicTask:
    """Set a sync schedule's crontab, time zone and enabled flag (beat reloads on save)."""
    if name not in SYNC_SCHEDULES:
        raise ControlRefused(f"{name!r} is not a sync schedule; choose {', '.join(SYNC_SCHEDULES)}.")
    try:
        zoneinfo.ZoneInfo(edit.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ControlRefused(f"Unknown time zone {edit.timezone!r} (e.g. America/New_York, UTC).") from None
    fields = {"minute": edit.minute, "hour": edit.hour, "day_of_week": edit.day_of_week,
              "day_of_month": edit.day_of_month, "month_of_year": edit.month_of_year}  # fmt: skip
    try:
        crontab(**fields)
    except ValueError as exc:
        raise ControlRefused(f"Invalid crontab: {exc}") from None
    with transaction.atomic():
        task = PeriodicTask.objects.select_for_update().filter(name=name).first()
        if task is None:
            raise ControlRefused(f"Schedule {name} has no row yet: run python manage.py schedules.")
        task.crontab, _ = CrontabSchedule.objects.get_or_create(**fields, timezone=edit.timezone)
        task.interval = None
        task.enabled = edit.enabled
        task.save()
    return task
