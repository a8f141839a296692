"""The one beat-schedule registry and `manage.py schedules`."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

from quant import schedules
from quant.schedules import Crontab, Every, Schedule, get_schedule, registered, schedules_sync

APP_SCHEDULES = {
    "quant: reap lost jobs": "quant.reap_jobs",
    "quant: refresh health checks": "quant.health_refresh",
    "quant: evaluate circuit breaker": "quant.breaker_evaluate",
    "wrds-incremental-nightly": "warehouse.tasks.wrds_sync",
    "french-weekly": "warehouse.tasks.french_sync",
    "risk: nightly risk model build": "risk.tasks.build_model",
    "warehouse-verify": "warehouse.tasks.verify_live",
    "warehouse-exports-prune": "warehouse.tasks.exports_prune",
    "backtests: run strategies": "backtests.run_strategies",
    "taq-nightly": "research.tasks.taq_sync_incremental",
    "alerts: evaluate rules": "alerts.evaluate_rules",
    "alerts: retry deliveries": "alerts.retry_deliveries",
}


def _run(*args: str) -> str:
    out = StringIO()
    call_command("schedules", *args, stdout=out)
    return out.getvalue()


def test_every_app_declares_its_schedules_and_the_reaper_runs_every_minute_by_default() -> None:
    assert {s.name: s.task for s in registered()} == APP_SCHEDULES
    reaper = get_schedule("quant: reap lost jobs")
    assert (reaper.when, reaper.queue, reaper.enabled_by_default()) == (Every(60), "default", True)
    risk = get_schedule("risk: nightly risk model build")
    assert (risk.when, risk.queue) == (Crontab("30", "6", "1-5", timezone="UTC"), "analytics")
    with pytest.raises(ValueError, match="unknown schedule 'nope'; registered: quant: reap lost jobs, quant: refresh"):
        get_schedule("nope")


def test_every_declared_task_is_a_registered_celery_task() -> None:
    from config.celery import app

    app.loader.import_default_modules()
    assert [s.task for s in registered() if s.task not in app.tasks] == []


def test_registering_again_is_a_no_op_and_a_clash_is_an_error() -> None:
    reaper = get_schedule("quant: reap lost jobs")
    schedules.register(reaper)
    assert len(registered()) == len(APP_SCHEDULES)
    clash = Schedule(reaper.name, "other.task", Every(5), "default", "a different entry")
    with pytest.raises(ValueError, match="already registered"):
        schedules.register(clash)


@pytest.mark.django_db
def test_the_command_syncs_idempotently_and_lists_name_task_when_state_and_last_run(settings) -> None:
    settings.REDIS_URL, settings.WRDS_USERNAME = "", ""  # embedded without credentials: syncs start disabled
    first = _run()
    ids = dict(PeriodicTask.objects.values_list("name", "pk"))
    assert set(ids) == set(APP_SCHEDULES)
    assert "enabled (new)" in first and f"{len(APP_SCHEDULES)} schedule(s)" in first
    ran = dt.datetime(2026, 1, 4, 4, tzinfo=dt.UTC)
    PeriodicTask.objects.filter(name="risk: nightly risk model build").update(last_run_at=ran)
    changed = PeriodicTasks.last_change()
    second = _run("--list")
    assert dict(PeriodicTask.objects.values_list("name", "pk")) == ids  # updated in place, nothing new
    assert PeriodicTasks.last_change() == changed  # nothing differed, so nothing was saved (beat not reloaded)
    # intervals: the reaper (60 s), the health refresh (15 s), warehouse verification (15 min) and the
    # export prune (1 h); crontabs: WRDS, French, the risk build, the strategy runs and the TAQ nightly sync
    assert (IntervalSchedule.objects.count(), CrontabSchedule.objects.count()) == (4, 5)
    lines = {line.split("  ")[0]: line for line in second.splitlines()}
    assert "every 60 s" in lines["quant: reap lost jobs"] and "enabled" in lines["quant: reap lost jobs"]
    assert "cron 0 4 * * 0 (America/New_York)" in lines["french-weekly"]
    assert "disabled" in lines["french-weekly"] and lines["french-weekly"].endswith("never")
    assert lines["risk: nightly risk model build"].endswith("enabled   2026-01-04T04:00:00+00:00")
    reaper = PeriodicTask.objects.get(name="quant: reap lost jobs")
    assert (reaper.task, reaper.queue, reaper.interval.every, reaper.crontab) == (
        "quant.reap_jobs", "default", 60, None,
    )  # fmt: skip
    nightly = PeriodicTask.objects.get(name="wrds-incremental-nightly")
    assert json.loads(nightly.kwargs) == {"mode": "incremental"} and nightly.queue == "sync"


@pytest.mark.django_db
def test_enable_and_disable_are_idempotent_and_survive_a_resync(settings) -> None:
    settings.REDIS_URL, settings.WRDS_USERNAME = "", ""
    _run("--enable", "french-weekly")
    _run("--enable", "french-weekly")
    _run("--disable", "quant: reap lost jobs")
    _run()  # a plain re-sync keeps the operator's choices
    enabled = dict(PeriodicTask.objects.values_list("name", "enabled"))
    assert enabled == {"wrds-incremental-nightly": False, "french-weekly": True, "quant: reap lost jobs": False,
                       "quant: refresh health checks": True, "risk: nightly risk model build": True,
                       "quant: evaluate circuit breaker": True,
                       "warehouse-verify": True, "backtests: run strategies": True, "taq-nightly": False,
                       "alerts: evaluate rules": True, "alerts: retry deliveries": True,
                       "warehouse-exports-prune": True}  # fmt: skip
    _run("--enable", "--all")
    assert PeriodicTask.objects.filter(enabled=True).count() == len(APP_SCHEDULES)
    _run("--disable", "--all")
    assert not PeriodicTask.objects.filter(enabled=True).exists()


@pytest.mark.django_db
def test_the_command_rejects_unknown_names_and_ambiguous_flags() -> None:
    with pytest.raises(CommandError, match="unknown schedule 'nightly'"):
        _run("--enable", "nightly")
    with pytest.raises(CommandError, match="exactly one of --enable or --disable"):
        _run("--all")
    with pytest.raises(CommandError, match="name the schedules"):
        _run("--disable")
    with pytest.raises(CommandError, match="cannot both enable and disable french-weekly"):
        _run("--enable", "french-weekly", "--disable", "french-weekly")
    assert not PeriodicTask.objects.exists()  # a refused command writes nothing


def test_schedules_sync_rejects_unknown_names_before_writing() -> None:
    with pytest.raises(ValueError, match="unknown schedule"):
        schedules_sync(enable=["nope"])


@pytest.mark.django_db
def test_a_sync_keeps_the_timing_set_on_the_sync_dashboard_until_reset(settings) -> None:
    from warehouse.syncs.controls import SYNC_SCHEDULES, ScheduleEdit, schedule_update

    settings.REDIS_URL, settings.WRDS_USERNAME = "", ""
    assert set(SYNC_SCHEDULES) == {s.name for s in registered() if s.operator_timing}
    _run()
    schedule_update(name="french-weekly", edit=ScheduleEdit("15", "6", "1", "*", "*", "Europe/London", True))
    listed = {line.split("  ")[0]: line for line in _run().splitlines()}  # e.g. the quickstart's re-sync
    row = PeriodicTask.objects.get(name="french-weekly")
    assert (row.crontab.minute, row.crontab.hour, row.crontab.day_of_week, str(row.crontab.timezone)) == (
        "15", "6", "1", "Europe/London",
    )  # fmt: skip
    assert row.enabled and "cron 15 6 * * 1 (Europe/London)" in listed["french-weekly"]
    nightly = PeriodicTask.objects.get(name="wrds-incremental-nightly")
    assert (nightly.crontab.minute, nightly.crontab.hour) == ("30", "2")  # untouched rows keep the code's
    reaper = PeriodicTask.objects.get(name="quant: reap lost jobs")
    reaper.interval = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.SECONDS)
    reaper.save()
    _run()  # a schedule the dashboard cannot edit is put back to the code's timing
    assert PeriodicTask.objects.get(name="quant: reap lost jobs").interval.every == 60
    listed = {line.split("  ")[0]: line for line in _run("--reset-timing", "french-weekly").splitlines()}
    row.refresh_from_db()
    assert (row.crontab.minute, row.crontab.hour, str(row.crontab.timezone)) == ("0", "4", "America/New_York")
    assert row.enabled and "cron 0 4 * * 0 (America/New_York)" in listed["french-weekly"]
    with pytest.raises(CommandError, match="unknown schedule 'weekly'"):
        _run("--reset-timing", "weekly")
