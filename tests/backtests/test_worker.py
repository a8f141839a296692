"""Backtests on real Redis + Postgres with real Celery worker subprocesses.

Idempotent re-delivery, cancel of a running job, SIGKILL of a worker mid-run (re-queued and
finished by the next worker, one result set), and priority ordering on a busy solo worker.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from backtests.configs import BacktestConfig, SyntheticSpec
from backtests.models import BacktestRun
from backtests.services import backtest_run_cancel, backtest_run_create
from backtests.tasks import run_backtest
from quant.artifacts import artifact_open
from quant.jobs import enqueue
from tests.backtests.conftest import synthetic_config
from tests.factories import UserFactory
from tests.support import services
from tests.support.celery_worker import Worker, start_worker

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

FAST_REAPER = {"BACKTEST_HEARTBEAT_SECONDS": "1", "BACKTEST_STALE_SECONDS": "4", "BACKTEST_PROGRESS_INTERVAL_MS": "200"}


def long_config(seed: int = 5, **overrides: object) -> BacktestConfig:
    """Daily rebalancing with impact costs on 1,200 synthetic names: 20-40 s on this machine."""
    values = {
        "signal": "reversal_1m", "start": dt.date(2006, 1, 3), "end": dt.date(2016, 11, 30), "rebalance": "daily",
        "impact_k": 0.5, "source": "synthetic", "synthetic": SyntheticSpec(stocks=1200, days=3000, seed=seed),
    }  # fmt: skip
    values.update(overrides)
    return BacktestConfig(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def empty_backtests_queue() -> Iterator[None]:
    """The tests own this Redis database: drop messages a previous session left on the queue."""
    client = redis.Redis.from_url(services.require_redis())
    for key in client.scan_iter("backtests*"):
        client.delete(key)
    client.delete("unacked", "unacked_index")
    yield


@pytest.fixture
def worker_factory(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    stack = []

    def make(**env: str) -> Worker:
        context = start_worker(log_dir=tmp_path, queues=["backtests"], env={**FAST_REAPER, **env})
        stack.append(context)
        return context.__enter__()

    yield make
    for context in reversed(stack):
        context.__exit__(None, None, None)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def status_of(run_id: int) -> BacktestRun:
    return BacktestRun.objects.get(pk=run_id)


def test_worker_runs_the_backtest_once_and_a_redelivery_does_nothing(worker_factory) -> None:
    worker_factory()
    owner = UserFactory()
    run = backtest_run_create(config=synthetic_config(), owner=owner).run
    wait_for(lambda: status_of(run.pk).status == "succeeded", 120, "the run to succeed")
    done = status_of(run.pk)
    assert done.attempts == 1 and done.progress == 100 and done.sharpe is not None
    again = backtest_run_create(config=synthetic_config(), owner=owner)
    assert not again.created and again.run.pk == run.pk  # same config, same data: same run
    outcome = enqueue(run_backtest, args=(run.pk,), queue="backtests").result(timeout=60)
    assert outcome == {"run_id": run.pk, "status": "succeeded", "detail": "nothing to do"}
    after = status_of(run.pk)
    assert (after.attempts, after.finished_at, after.result_path) == (1, done.finished_at, done.result_path)
    results = Path(done.result_path)
    assert sorted(p.name for p in results.parent.iterdir() if p.name.lstrip(".").startswith(str(run.pk))) == [
        str(run.pk)
    ]
    assert artifact_open(results).manifest.extra["run_id"] == run.pk


def test_cancel_stops_a_running_backtest_within_seconds(worker_factory) -> None:
    worker_factory()
    run = backtest_run_create(config=long_config(), owner=UserFactory()).run
    wait_for(lambda: status_of(run.pk).progress >= 15, 180, "the simulation to be under way")
    backtest_run_cancel(run=status_of(run.pk))
    elapsed = wait_for(lambda: status_of(run.pk).status == "cancelled", 10, "the run to stop")
    stopped = status_of(run.pk)
    assert elapsed < 5, elapsed
    assert stopped.progress < 90 and stopped.result_path == "" and stopped.finished_at is not None
    assert not list(Path(stopped.result_path or "/nonexistent").glob("*"))


def test_sigkilled_worker_run_is_requeued_and_finished_once(worker_factory) -> None:
    first = worker_factory()
    run = backtest_run_create(config=long_config(seed=6), owner=UserFactory()).run
    wait_for(lambda: status_of(run.pk).progress >= 15, 180, "the simulation to be under way")
    os.kill(first.pid, signal.SIGKILL)
    first.process.wait(timeout=10)
    assert status_of(run.pk).status == "running"  # nobody has noticed yet
    time.sleep(5)  # heartbeat now older than BACKTEST_STALE_SECONDS=4
    worker_factory()  # reaps stale runs when ready, then runs the re-queued task
    wait_for(lambda: status_of(run.pk).status in BacktestRun.FINISHED, 240, "the re-queued run to finish")
    done = status_of(run.pk)
    assert done.status == "succeeded", done.error
    assert done.attempts == 2
    siblings = [p.name for p in Path(done.result_path).parent.iterdir() if p.name.split(".")[0] == str(run.pk)]
    assert siblings == [str(run.pk)]  # one result set, no staging left from the killed attempt


def test_high_priority_runs_before_low_on_a_busy_worker(worker_factory) -> None:
    worker_factory()
    owner = UserFactory()
    blocker = backtest_run_create(config=long_config(seed=7), owner=owner).run
    wait_for(lambda: status_of(blocker.pk).status == "running", 120, "the worker to be busy")
    low = backtest_run_create(config=synthetic_config(signal="low_vol"), owner=owner, priority="low").run
    high = backtest_run_create(config=synthetic_config(signal="reversal_1m"), owner=owner, priority="high").run
    backtest_run_cancel(run=status_of(blocker.pk))  # free the worker sooner
    wait_for(lambda: status_of(low.pk).status == "succeeded", 180, "the low-priority run")
    low, high = status_of(low.pk), status_of(high.pk)
    assert high.status == "succeeded"
    assert high.started_at < low.started_at


def test_walk_forward_children_run_on_the_worker_and_the_parent_is_stitched(worker_factory) -> None:
    from backtests.services.walkforward import WalkForwardSpec, walkforward_create

    worker_factory()
    spec = WalkForwardSpec(
        base=synthetic_config(), candidates=[{"signal": "momentum_12_1"}, {"signal": "low_vol"}],
        train_months=6, test_months=3,
    )  # fmt: skip
    parent = walkforward_create(spec=spec, owner=UserFactory()).run
    wait_for(lambda: status_of(parent.pk).status in BacktestRun.FINISHED, 180, "the walk-forward parent")
    done = status_of(parent.pk)
    assert done.status == "succeeded", done.error
    assert set(done.children.values_list("status", flat=True)) == {"succeeded"}
    assert done.summary["walk_forward"]["n_folds"] >= 2 and (Path(done.result_path) / "oos.parquet").exists()


def test_the_beat_reaper_task_runs_on_the_worker(worker_factory) -> None:
    from backtests.tasks import reap_stale_runs

    worker_factory()
    assert enqueue(reap_stale_runs, queue="backtests").result(timeout=60) == {"requeued": [], "failed": []}
