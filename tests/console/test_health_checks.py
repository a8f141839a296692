from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
from django.test import override_settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from console.health import checks
from quant.tasks import ping_job


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def scratch_queue(redis_client: redis.Redis) -> Iterator[str]:
    """A queue name no worker consumes; its lists are deleted afterwards."""
    name = f"qd-test-{uuid.uuid4().hex[:8]}"
    yield name
    redis_client.delete(*[checks.priority_queue_key(name, step) for step in (0, 3, 6, 9)])


@pytest.mark.redis
def test_queue_depth_counts_messages_in_each_priority_list(redis_client: redis.Redis, scratch_queue: str) -> None:
    for i in range(3):
        redis_client.lpush(scratch_queue, json.dumps({"n": i}))
    redis_client.lpush(checks.priority_queue_key(scratch_queue, 3), "a", "b")
    redis_client.lpush(checks.priority_queue_key(scratch_queue, 9), "c")
    [depth] = checks.queue_depths(redis_client, [scratch_queue])
    assert depth.by_priority == {0: 3, 3: 2, 6: 0, 9: 1}
    assert depth.total == 6
    assert checks.priority_queue_key(scratch_queue, 3) == f"{scratch_queue}\x06\x163"


@pytest.mark.redis
def test_queue_depth_sees_real_celery_messages_and_their_priority(
    redis_url: str, redis_client: redis.Redis, scratch_queue: str
) -> None:
    # Published by Celery itself, so the key layout is kombu's, not our assumption of it.
    ping_job.apply_async(args=["depth-a"], queue=scratch_queue)
    ping_job.apply_async(args=["depth-b"], queue=scratch_queue)
    ping_job.apply_async(args=["depth-c"], queue=scratch_queue, priority=5)  # lands in step 3
    [depth] = checks.queue_depths(redis_client, [scratch_queue])
    assert depth.by_priority == {0: 2, 3: 1, 6: 0, 9: 0}
    with override_settings(CELERY_BROKER_URL=redis_url, CELERY_TASK_QUEUES_NAMES=[scratch_queue]):
        result = checks.queues()
    assert result.status == "ok"
    assert dict(result.details) == {scratch_queue: 3, f"{scratch_queue} · priority 3": 1}
    assert result.summary == f"3 message(s) waiting; most in {scratch_queue} (3)"


@override_settings(CELERY_BROKER_URL=None)
def test_queue_check_without_broker_reports_in_process_mode() -> None:
    result = checks.queues()
    assert result.status == "unknown"
    assert result.summary.startswith("No broker:")


@pytest.mark.redis
def test_redis_check_reports_ping_and_memory(redis_url: str) -> None:
    with override_settings(REDIS_URL=redis_url):
        result = checks.redis_server()
    assert result.status == "ok"
    assert result.details["Ping (ms)"] < 1000
    assert str(result.details["Memory used"])[-1] in "BKMG"
    assert "@" not in str(result.details["Server"])  # never a password-bearing URL


@override_settings(REDIS_URL="")
def test_redis_check_in_embedded_mode() -> None:
    assert checks.redis_server().summary == "not configured (embedded mode)"


@pytest.mark.django_db
def test_database_check_measures_round_trip_and_finds_no_pending_migrations() -> None:
    result = checks.database()
    assert result.status == "ok"
    assert result.details["Pending migrations"] == 0
    assert 0 <= result.details["Round trip (ms)"] < 1000
    assert str(result.details["Engine"]).split()[0] in {"PostgreSQL", "SQLite"}


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
def test_beat_check_goes_from_no_schedules_to_last_run() -> None:
    assert checks.beat().summary == "no schedules yet"
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)
    task = PeriodicTask.objects.create(name="test ping", task="quant.ping_job", interval=every_hour)
    pending = checks.beat()
    assert pending.status == "warn"
    assert pending.details["Schedules"] == 1 and pending.details["Enabled"] == 1
    assert pending.details["Schedules changed"] is not None
    ran = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
    PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=ran)
    result = checks.beat()
    assert result.status == "ok"
    assert result.details["Last run"] == "2026-01-05 14:30:00 UTC"
    assert result.summary == "last run 2026-01-05 14:30:00 UTC"


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL=None)
def test_beat_check_in_embedded_mode_is_not_a_warning() -> None:
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="test ping", task="quant.ping_job", interval=every_hour)
    result = checks.beat()
    assert result.status == "unknown"
    assert result.summary.startswith("embedded mode")


@override_settings(CELERY_BROKER_URL=None)
def test_celery_check_in_embedded_mode_reports_the_thread_pool() -> None:
    result = checks.celery_workers()
    assert result.status == "ok"
    assert result.summary.startswith("Embedded:")
    assert set(result.details) == {"Running", "Waiting", "Succeeded", "Failed"}
