"""The "Backtest jobs" health card counts backtest jobs and reaps dead ones before it does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from backtests.health import backtest_jobs
from quant.jobs.services import job_claim, job_create
from quant.models import Job
from quant.web.health import registered_checks
from tests.backtests.factories import queued_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_card_is_registered() -> None:
    assert "Backtest jobs" in {check.name for check in registered_checks()}


@override_settings(JOBS_MAX_ATTEMPTS=1)
def test_card_reaps_a_dead_run_and_warns() -> None:
    owner = UserFactory()
    queued_run(owner)
    dead = queued_run(owner, signal="low_vol")
    job_create(kind="other.kind", requested_by=owner)  # not a backtest: not counted
    job_claim(job_id=dead.job_id, task_id="gone")
    Job.objects.filter(pk=dead.job_id).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    result = backtest_jobs()
    dead.refresh_from_db()
    assert dead.job.status == "failed" and dead.job.error.startswith("worker lost")
    assert result.status == "warn"
    assert result.details["queued"] == 1 and result.details["failed"] == 1 and result.details["reaped now"] == 1
    assert result.summary == "0 running · 1 queued"
    assert backtest_jobs().status == "ok"  # nothing left to reap
