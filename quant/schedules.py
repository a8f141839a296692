"""The one registry of Celery beat schedules, synced into django-celery-beat's ``PeriodicTask`` table.

Each app declares its schedules in one place, ``<app>/schedules.py`` (imported by its
``AppConfig.ready``), with ``register(Schedule(...))``. ``manage.py schedules`` (and the quickstart)
call :func:`schedules_sync`: one ``PeriodicTask`` per registered schedule, created or updated in
place, so re-running changes nothing. The code owns *what* runs and *when* (task, crontab or
interval, queue, kwargs, description); the operator owns *whether*: a new row starts at the
schedule's default, an existing row keeps its enabled flag unless ``--enable``/``--disable`` name it.
A schedule registered with ``operator_timing=True`` (the warehouse syncs, whose crontab and time
zone the sync dashboard edits) also leaves *when* to the operator once its row exists: a re-sync
keeps the row's timing, and ``--reset-timing NAME`` puts the code's back.
Beat (``DatabaseScheduler``) reads the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Crontab:
    """A cron expression in ``timezone`` (beat's fields, same defaults)."""

    minute: str = "*"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"
    timezone: str = "UTC"

    def __str__(self) -> str:
        fields = (self.minute, self.hour, self.day_of_month, self.month_of_year, self.day_of_week)
        return f"cron {' '.join(fields)} ({self.timezone})"


@dataclass(frozen=True)
class Every:
    """A fixed interval in seconds."""

    seconds: int

    def __str__(self) -> str:
        return f"every {self.seconds} s"


@dataclass(frozen=True)
class Schedule:
    """One beat entry. ``enabled``: the state a new row starts in (a callable is asked at sync time)."""

    name: str
    task: str
    when: Crontab | Every
    queue: str
    description: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool | Callable[[], bool] = True
    operator_timing: bool = False  # True: an existing row keeps its crontab/interval on a re-sync

    def enabled_by_default(self) -> bool:
        return self.enabled() if callable(self.enabled) else self.enabled


_REGISTRY: dict[str, Schedule] = {}


def register(*schedules: Schedule) -> None:
    """Add ``schedules``; registering the same one again is a no-op, another one of that name an error."""
    for schedule in schedules:
        existing = _REGISTRY.get(schedule.name)
        if existing is not None and existing != schedule:
            raise ValueError(f"schedule {schedule.name!r} is already registered as {existing}")
        _REGISTRY[schedule.name] = schedule


def registered() -> list[Schedule]:
    """Every registered schedule, in registration (app) order."""
    return list(_REGISTRY.values())


def get_schedule(name: str) -> Schedule:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown schedule {name!r}; registered: {', '.join(_REGISTRY) or 'none'}") from None


@dataclass(frozen=True)
class ScheduleState:
    """A registered schedule and its row (``None`` before the first sync)."""

    schedule: Schedule
    task: Any  # PeriodicTask | None (django-celery-beat ships no type hints)
    created: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.task is not None and self.task.enabled)

    @property
    def last_run(self) -> Any:
        return None if self.task is None else self.task.last_run_at

    @property
    def when(self) -> str:
        """The timing beat uses: the row's (the operator may have changed it), else the code's."""
        row = self.task
        if row is not None and row.crontab is not None:
            c = row.crontab
            return str(Crontab(c.minute, c.hour, c.day_of_week, c.day_of_month, c.month_of_year, str(c.timezone)))
        if row is not None and row.interval is not None and row.interval.period == IntervalSchedule.SECONDS:
            return str(Every(row.interval.every))
        return str(self.schedule.when)


def schedules_sync(
    *, enable: Iterable[str] = (), disable: Iterable[str] = (), names: Iterable[str] | None = None,
    reset_timing: Iterable[str] = (),
) -> list[ScheduleState]:  # fmt: skip
    """Create or update the row of every registered schedule (or of ``names``); see the module docstring."""
    on, off, reset = set(enable), set(disable), set(reset_timing)
    chosen = registered() if names is None else [get_schedule(n) for n in names]
    for name in on | off | reset:
        get_schedule(name)
    if on & off:
        raise ValueError(f"cannot both enable and disable {', '.join(sorted(on & off))}")
    out = []
    with transaction.atomic():
        for s in chosen:
            task = PeriodicTask.objects.select_for_update().filter(name=s.name).first()
            state = task.enabled if task is not None else s.enabled_by_default()
            state = True if s.name in on else False if s.name in off else state
            keep_timing = task is not None and s.operator_timing and s.name not in reset
            values = {**({} if keep_timing else _when(s.when)), "task": s.task, "queue": s.queue,
                      "kwargs": json.dumps(dict(s.kwargs), sort_keys=True), "description": s.description,
                      "enabled": state}  # fmt: skip
            if task is None:
                out.append(ScheduleState(s, PeriodicTask.objects.create(name=s.name, **values), created=True))
                continue
            changed = {k: v for k, v in values.items() if getattr(task, k) != v}
            if changed:  # an unchanged row is not saved: beat reloads its schedule on every save
                for key, value in changed.items():
                    setattr(task, key, value)
                task.save()
            out.append(ScheduleState(s, task))
    return out


def _when(when: Crontab | Every) -> dict[str, Any]:
    if isinstance(when, Every):
        interval, _ = IntervalSchedule.objects.get_or_create(every=when.seconds, period=IntervalSchedule.SECONDS)
        return {"interval": interval, "crontab": None}
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=when.minute, hour=when.hour, day_of_week=when.day_of_week, day_of_month=when.day_of_month,
        month_of_year=when.month_of_year, timezone=when.timezone,
    )  # fmt: skip
    return {"crontab": crontab, "interval": None}


def schedule_states(names: Iterable[str] | None = None) -> list[ScheduleState]:
    """The registered schedules (or ``names``) with their rows, read only (one query)."""
    chosen = registered() if names is None else [get_schedule(n) for n in names]
    rows = {t.name: t for t in PeriodicTask.objects.filter(name__in=[s.name for s in chosen])}
    return [ScheduleState(s, rows.get(s.name)) for s in chosen]


# The shared core's own schedules (registered by QuantConfig.ready, like every app's `<app>/schedules.py`).
SCHEDULES = (
    Schedule("quant: reap lost jobs", "quant.reap_jobs", Every(60), "default",
             "Re-queue or fail jobs whose worker stopped heart-beating; terminate overdue cancels."),
    # The System health page serves this snapshot (quant.web.health): no check runs per page view.
    Schedule("quant: refresh health checks", "quant.health_refresh", Every(15), "default",
             "Run the System health checks in the background and cache the result the page shows."),
    Schedule("quant: evaluate circuit breaker", "quant.breaker_evaluate", Every(60), "default",
             "Trip the circuit breaker on a daily loss, drawdown, reject storm or stale data beyond the limits."),
)  # fmt: skip
