"""The django-celery-beat schedules of the nightly syncs."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask


@pytest.mark.django_db
def test_schedule_syncs_is_idempotent(capsys) -> None:
    call_command("schedule_syncs")
    call_command("schedule_syncs")
    assert "wrds-incremental-nightly: updated, enabled" in capsys.readouterr().out
    assert PeriodicTask.objects.filter(name__in=["wrds-incremental-nightly", "french-weekly"]).count() == 2
    nightly = PeriodicTask.objects.get(name="wrds-incremental-nightly")
    assert nightly.task == "warehouse.tasks.wrds_sync" and nightly.queue == "sync" and nightly.enabled
    assert json.loads(nightly.kwargs) == {"mode": "incremental"}
    cron = nightly.crontab
    assert (cron.minute, cron.hour, cron.day_of_week, str(cron.timezone)) == ("30", "2", "2-6", "America/New_York")
    assert CrontabSchedule.objects.count() == 2
    call_command("schedule_syncs", "--disable")
    assert not PeriodicTask.objects.filter(name__startswith="wrds-", enabled=True).exists()
