"""Finding 2 of issue 12: the reaper must really run, on beat and in embedded mode, without anyone
opening the health page."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from celery.signals import beat_init
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from quant.jobs import kinds
from quant.jobs import queue as jobs
from quant.jobs.services import job_claim, job_create
from quant.models import Job
from quant.tasks import ping_job

kinds.register_kind(kinds.JobKind(name="test.reaper_wiring", label="Test kind"))


@pytest.fixture
def fresh_executor() -> Iterator[None]:
    jobs.shutdown_inprocess()
    yield
    jobs.shutdown_inprocess()


@pytest.mark.django_db
def test_beat_start_registers_and_enables_the_reaper_even_without_a_schedules_sync() -> None:
    PeriodicTask.objects.filter(name="quant: reap lost jobs").delete()
    beat_init.send(sender=None)
    task = PeriodicTask.objects.select_related("interval").get(name="quant: reap lost jobs")
    assert (task.task, task.enabled, task.interval.every, task.interval.period) == (
        "quant.reap_jobs", True, 60, "seconds",
    )  # fmt: skip
    PeriodicTask.objects.filter(pk=task.pk).update(enabled=False)
    beat_init.send(sender=None)
    assert PeriodicTask.objects.get(pk=task.pk).enabled is True  # a lost job must never wait for a human


@pytest.mark.django_db(transaction=True)
@override_settings(CELERY_BROKER_URL=None, JOBS_EMBEDDED_REAPER_SECONDS=1)
def test_embedded_mode_reaps_a_job_lost_with_an_earlier_web_process(fresh_executor: None) -> None:
    job = job_create(kind="test.reaper_wiring", max_attempts=1)
    assert job_claim(job_id=job.pk, task_id="thread-of-a-dead-process") is not None
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    jobs.enqueue(ping_job, args=("wake",)).result(timeout=30)  # the first job of this process
    deadline = time.monotonic() + 15
    while Job.objects.get(pk=job.pk).status == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    lost = Job.objects.get(pk=job.pk)
    assert lost.status == "failed" and lost.error.startswith("worker lost: no heartbeat since")
