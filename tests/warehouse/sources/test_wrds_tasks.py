"""Celery sync tasks, run eagerly against the WRDS stand-in."""

from __future__ import annotations

import json

import pytest

from quant.locks import domain_lock
from warehouse.models_sync import SyncRun
from warehouse.sources.wrds.client import close_all
from warehouse.tasks import enqueue_french_sync, enqueue_wrds_sync, french_sync_task, wrds_sync_task


def test_tasks_are_late_acking_and_time_limited() -> None:
    for task in (wrds_sync_task, french_sync_task):
        assert task.acks_late is True
        assert 0 < task.soft_time_limit < task.time_limit


@pytest.mark.redis
def test_enqueue_puts_the_tasks_on_the_sync_queue_in_redis(redis_url) -> None:
    import redis

    assert wrds_sync_task.app.conf.broker_url == redis_url
    r = redis.Redis.from_url(redis_url)
    r.delete("sync")
    try:
        task_id = enqueue_wrds_sync(["crsp_daily"], "full")
        enqueue_french_sync()
        messages = [json.loads(m) for m in r.lrange("sync", 0, -1)]
    finally:
        r.delete("sync")
    tasks = sorted((m["headers"]["task"], m["headers"]["id"]) for m in messages)
    assert [t for t, _ in tasks] == ["warehouse.tasks.french_sync", "warehouse.tasks.wrds_sync"]
    assert task_id in {i for _, i in tasks}


@pytest.mark.django_db
def test_wrds_task_syncs_and_a_busy_lock_is_refused_not_retried(wrds_settings, wrds_frames) -> None:
    result = wrds_sync_task.apply(kwargs={"datasets": ["crsp_names"], "mode": "full"}).get()
    assert result == {"status": "succeeded", "synced": {"crsp_names": {"rows": wrds_frames["crsp_names"].height,
                                                                       "version": "v0001"}}, "failed": {}}  # fmt: skip
    with domain_lock("warehouse", writer="manual-backfill"):
        refused = wrds_sync_task.apply(kwargs={"datasets": ["crsp_names"]}).get()
    assert refused["status"] == "refused" and "manual-backfill" in refused["holder"]
    statuses = [(r.mode, r.outcome) for r in SyncRun.objects.select_related("job").order_by("pk")]
    assert statuses == [("full", "succeeded"), ("incremental", "refused")]


@pytest.mark.django_db
def test_wrds_task_reports_failed_datasets(wrds_settings) -> None:
    wrds_settings.WRDS_DBNAME = "wrds_standin_missing_db"
    close_all()
    result = wrds_sync_task.apply(kwargs={"datasets": ["crsp_delist"], "mode": "full"}).get()
    assert result["status"] == "failed" and "WrdsConnectionError" in result["failed"]["crsp_delist"]
    assert SyncRun.objects.get().outcome == "failed"


def test_celery_routes_send_each_app_to_its_queue() -> None:
    from config.celery import app

    route = app.amqp.router.route
    expected = {
        wrds_sync_task.name: "sync", french_sync_task.name: "sync", "backtests.tasks.run_backtest": "backtests",
        "risk.tasks.build_model": "analytics", "research.tasks.run_study": "analytics",
        "alerts.tasks.evaluate_rules": "alerts", "quant.ping_job": "default",
    }  # fmt: skip
    assert {name: route({}, name)["queue"].name for name in expected} == expected
