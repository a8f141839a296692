from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from risk.services.jobs import SCHEDULE_NAME, TASK_NAME

pytestmark = pytest.mark.django_db


def test_schedule_risk_creates_one_periodic_task_on_the_analytics_queue() -> None:
    out = StringIO()
    call_command("schedule_risk", stdout=out)
    call_command("schedule_risk", stdout=out)
    task = PeriodicTask.objects.get(name=SCHEDULE_NAME)
    assert PeriodicTask.objects.filter(name=SCHEDULE_NAME).count() == 1
    assert task.task == TASK_NAME and task.queue == "analytics" and json.loads(task.kwargs) == {}
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("6", "30", "1-5")
    assert out.getvalue().splitlines()[0].startswith("created") and out.getvalue().splitlines()[1].startswith("exists")
