"""The data migration gives every existing backtest run one job with its state (0003)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from backtests.models import BacktestRun

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = [("backtests", "0001_initial")]


def _migrate(targets: list[tuple[str, str]]):  # noqa: ANN202 - the historical apps registry
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_runs_become_runs_with_one_job_each() -> None:
    latest = [key for key in MigrationExecutor(connection).loader.graph.leaf_nodes() if key[0] == "backtests"]
    old = _migrate(BEFORE)
    try:
        Run = old.get_model("backtests", "BacktestRun")
        User = old.get_model("auth", "User")
        owner = User.objects.create(username="old-owner")
        t0 = timezone.now() - dt.timedelta(days=3)
        common = {"config": {}, "data_hash": "d", "code_version": "v", "owner": owner}
        done = Run.objects.create(
            **common, config_hash="a", label="done", status="succeeded", progress=100, progress_message="done",
            attempts=1, started_at=t0, finished_at=t0 + dt.timedelta(minutes=2), heartbeat_at=t0,
            celery_task_id="task-a", result_path="/r/1",
        )  # fmt: skip
        running = Run.objects.create(
            **common, config_hash="b", status="running", progress=40, progress_message="simulating",
            attempts=2, cancel_requested=True, started_at=t0, heartbeat_at=t0 + dt.timedelta(seconds=5),
        )  # fmt: skip
        parent = Run.objects.create(**common, config_hash="c", kind="walk_forward", status="running", heartbeat_at=t0)
        child = Run.objects.create(**common, config_hash="a", parent=parent, status="failed", error="boom")
        Run.objects.filter(pk=done.pk).update(created_at=t0 - dt.timedelta(minutes=1))
    finally:
        _migrate(latest)

    runs = {r.pk: r for r in BacktestRun.objects.select_related("job")}
    job = runs[done.pk].job
    assert (job.kind, job.status, job.progress, job.message, job.attempts) == ("backtest", "succeeded", 1.0, "done", 1)
    assert (job.idempotency_key, job.celery_task_id, job.requested_by_id) == ("a/d", "task-a", owner.pk)
    assert job.created_at == t0 - dt.timedelta(minutes=1) and job.finished_at == t0 + dt.timedelta(minutes=2)
    assert job.params == {"run_id": done.pk} and runs[done.pk].result_path == "/r/1"
    job = runs[running.pk].job
    assert (job.status, job.progress, job.message, job.attempts) == ("running", 0.4, "simulating", 2)
    assert job.cancel_requested_at == t0 + dt.timedelta(seconds=5) and job.heartbeat_at == job.cancel_requested_at
    job = runs[parent.pk].job
    assert (job.kind, job.status, job.heartbeat_at) == ("walk_forward", "running", None)  # never reaped
    job = runs[child.pk].job
    assert (job.kind, job.status, job.error, job.idempotency_key) == ("backtest", "failed", "boom", "")
