"""A tripped circuit breaker blocks the strategy runner's next rebalance, run by a real Celery
worker (Redis + Postgres): the worker reads the breaker state from Redis and sends no order."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
import redis
from django.core.management import call_command
from django.test import override_settings

from backtests.services.strategy_runs import strategy_run_execute, strategy_run_job, strategy_run_requeue
from quant.models import Job
from quant.trading.breaker import breaker_trip
from quant.trading.models import Order, PnLSnapshot
from tests.backtests.strategies.test_runner import START, configured
from tests.support import services
from tests.support.celery_worker import start_worker

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
QUEUE = "backtests"
REBALANCE = dt.date(2024, 2, 29)  # the month-end rebalance of a monthly top-10 momentum strategy


def test_tripped_breaker_blocks_the_next_rebalance_on_a_worker(demo_dirs, django_user_model, tmp_path: Path) -> None:  # noqa: ANN001
    user = django_user_model.objects.create(username="ops")
    control, blocked = configured("armed10", user), configured("blocked10", user)
    client = redis.Redis.from_url(services.require_redis())
    for key in client.scan_iter(f"{QUEUE}*"):  # this test owns its Redis database: no stale messages
        client.delete(key)
    with override_settings(**demo_dirs):
        for name in ("armed10", "blocked10"):
            call_command("paper_run", strategy=name, start=str(START), end="2024-02-28", no_progress=True)
        job = strategy_run_job(strategy=control, as_of=REBALANCE)
        strategy_run_execute(job_id=job.pk, task_id=job.celery_task_id)  # armed: the rebalance trades
        breaker_trip(reason="desk stop before the rebalance", by="ops")
        job = strategy_run_job(strategy=blocked, as_of=REBALANCE)
    assert Order.objects.filter(strategy=control, trade_date=REBALANCE).count() == 10
    dirs = json.dumps({k: str(v) for k, v in demo_dirs.items()})
    with start_worker(log_dir=tmp_path, queues=[QUEUE], env={"QD_TEST_DATA_DIRS": dirs},
                      include=["tests.support.worker_data_dirs"]):  # fmt: skip
        strategy_run_requeue(job)
        deadline = time.monotonic() + 180
        while Job.objects.get(pk=job.pk).status not in ("succeeded", "failed") and time.monotonic() < deadline:
            time.sleep(0.5)
    job.refresh_from_db()
    assert job.status == "succeeded", (job.status, job.error, job.log)
    assert not Order.objects.filter(strategy=blocked).filter(trade_date=REBALANCE).exists()
    assert PnLSnapshot.objects.filter(strategy=blocked, date=REBALANCE).exists()  # the worker ran the day
    assert "circuit breaker is tripped (desk stop before the rebalance, by ops)" in job.log
    assert f"{REBALANCE}: 0 orders" in job.log
