"""Backtests on real Redis + Postgres with real Celery worker subprocesses.

Idempotent re-delivery, cooperative cancel of a running job, cancel of a job stuck in a kernel
(terminated after the grace period on a prefork worker), SIGKILL of a worker mid-run (re-queued by
the generic job reaper and finished by the next worker, one result set), and priority ordering on a
busy solo worker.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
import redis

from backtests.configs import BacktestConfig, SyntheticSpec
from backtests.models import BacktestRun
from backtests.services import backtest_run_cancel, backtest_run_create
from backtests.tasks import run_backtest
from config.celery import app
from quant.artifacts import artifact_open
from quant.jobs import enqueue
from quant.models import Job
from tests.backtests.conftest import synthetic_config
from tests.factories import UserFactory
from tests.support import services
from tests.support.celery_worker import Worker, start_worker
from tests.support.stuck_backtest import PID_FILE_ENV, STUCK_COMMISSION_BPS

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

FAST_REAPER = {"JOBS_HEARTBEAT_SECONDS": "1", "JOBS_STALE_SECONDS": "4", "JOBS_PROGRESS_INTERVAL_MS": "200"}
GRACE_SECONDS = 3


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
    """The tests own this Redis database: drop messages a previous session left on the queues."""
    client = redis.Redis.from_url(services.require_redis())
    for pattern in ("backtests*", "default*"):
        for key in client.scan_iter(pattern):
            client.delete(key)
    client.delete("unacked", "unacked_index")
    yield


@pytest.fixture
def worker_factory(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    stack = []

    def make(*, queues: tuple[str, ...] = ("backtests",), **options: object) -> Worker:
        env = {**FAST_REAPER, **options.pop("env", {})}  # type: ignore[dict-item]
        context = start_worker(log_dir=tmp_path, queues=queues, env=env, **options)  # type: ignore[arg-type]
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


def status_of(run_id: int) -> Job:
    """The run's job, fresh from the database."""
    return Job.objects.get(backtest_run__pk=run_id)


def run_of(run_id: int) -> BacktestRun:
    return BacktestRun.objects.select_related("job").get(pk=run_id)


def test_worker_runs_the_backtest_once_and_a_redelivery_does_nothing(worker_factory) -> None:
    worker_factory()
    owner = UserFactory()
    run = backtest_run_create(config=synthetic_config(), owner=owner).run
    wait_for(lambda: status_of(run.pk).status == "succeeded", 120, "the run to succeed")
    done = run_of(run.pk)
    assert done.job.attempts == 1 and done.job.progress == 1.0 and done.sharpe is not None
    again = backtest_run_create(config=synthetic_config(), owner=owner)
    assert not again.created and again.run.pk == run.pk  # same config, same data: same run
    outcome = enqueue(run_backtest, args=(run.pk,), queue="backtests").result(timeout=60)
    assert outcome == {"run_id": run.pk, "status": "succeeded", "detail": "nothing to do"}
    after = run_of(run.pk)
    assert (after.job.attempts, after.job.finished_at, after.result_path) == (1, done.job.finished_at, done.result_path)
    results = Path(done.result_path)
    assert sorted(p.name for p in results.parent.iterdir() if p.name.lstrip(".").startswith(str(run.pk))) == [
        str(run.pk)
    ]
    assert artifact_open(results).manifest.extra["run_id"] == run.pk


def test_cancel_stops_a_running_backtest_within_seconds(worker_factory) -> None:
    worker_factory()
    run = backtest_run_create(config=long_config(), owner=UserFactory()).run
    wait_for(lambda: status_of(run.pk).progress >= 0.15, 180, "the simulation to be under way")
    backtest_run_cancel(run=run_of(run.pk))
    elapsed = wait_for(lambda: status_of(run.pk).status == "cancelled", 10, "the run to stop")
    stopped = run_of(run.pk)
    assert elapsed < 5, elapsed
    assert stopped.job.progress < 0.9 and stopped.result_path == "" and stopped.job.finished_at is not None
    assert stopped.job.message == "cancelled"  # it stopped by itself, at a progress check


def test_cancel_of_a_backtest_stuck_in_a_kernel_terminates_it_after_the_grace_period(
    worker_factory, tmp_path: Path, settings
) -> None:  # noqa: ANN001 - pytest-django's settings
    """The acceptance test of the one job model's cancel: a backtest blocked in one long C call
    never reaches a progress check, so the cooperative flag cannot stop it; after
    ``JOBS_CANCEL_GRACE_SECONDS`` the ``quant.enforce_job_cancel`` task (run by the worker's other
    child, from the ``default`` queue) marks the job cancelled and revokes its task with terminate,
    which kills the stuck child. The worker survives and runs the next backtest."""
    settings.JOBS_CANCEL_GRACE_SECONDS = GRACE_SECONDS  # the countdown of the enforce task
    pid_file = tmp_path / "stuck.pid"
    worker = worker_factory(
        queues=("backtests", "default"), pool="prefork", concurrency=2, include=["tests.support.stuck_backtest"],
        env={"JOBS_CANCEL_GRACE_SECONDS": str(GRACE_SECONDS), PID_FILE_ENV: str(pid_file)},
    )  # fmt: skip
    owner = UserFactory()
    stuck = backtest_run_create(config=synthetic_config(commission_bps=STUCK_COMMISSION_BPS), owner=owner).run
    wait_for(pid_file.exists, 120, "the backtest to be stuck in its kernel")
    child_pid = int(pid_file.read_text())
    assert child_pid in _live_children(worker)
    time.sleep(2)  # stuck: the heartbeat thread still beats, the job stays running at its last progress
    before = status_of(stuck.pk)
    assert (before.status, before.progress) == ("running", 0.1) and before.message.startswith("simulating ")
    assert before.heartbeat_at > before.started_at
    cancelled_at = time.monotonic()
    backtest_run_cancel(run=run_of(stuck.pk))
    assert status_of(stuck.pk).status == "running"  # the flag alone does not stop a kernel
    wait_for(lambda: status_of(stuck.pk).status == "cancelled", GRACE_SECONDS + 15, "the stuck run to be cancelled")
    elapsed = time.monotonic() - cancelled_at
    wait_for(lambda: not _alive(child_pid), 10, "the stuck worker child to be killed")
    stopped = run_of(stuck.pk)
    assert GRACE_SECONDS <= elapsed < GRACE_SECONDS + 10, elapsed
    assert stopped.job.message == "cancelled: terminated after the grace period" and stopped.result_path == ""
    assert app.control.ping(destination=[worker.nodename], timeout=2.0)  # the worker itself lives on
    assert worker.process.poll() is None
    wait_for(lambda: _pool_replaced(worker, child_pid), 30, "the pool to replace the killed child")
    fresh = backtest_run_create(config=synthetic_config(), owner=owner).run
    wait_for(lambda: status_of(fresh.pk).status in Job.FINISHED, 120, "a new backtest on the same worker")
    done = run_of(fresh.pk)
    assert done.job.status == "succeeded" and done.sharpe is not None, done.job.error
    assert run_of(stuck.pk).job.status == "cancelled"  # the killed task was not re-delivered and re-run


def _pool_replaced(worker: Worker, killed: int) -> bool:
    live = _live_children(worker)
    return killed not in live and len(live) == 2  # --concurrency=2


def _live_children(worker: Worker) -> set[int]:
    return {p.pid for p in psutil.Process(worker.pid).children() if _alive(p.pid)}


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_sigkilled_worker_run_is_requeued_and_finished_once(worker_factory) -> None:
    first = worker_factory()
    run = backtest_run_create(config=long_config(seed=6), owner=UserFactory()).run
    wait_for(lambda: status_of(run.pk).progress >= 0.15, 180, "the simulation to be under way")
    os.kill(first.pid, signal.SIGKILL)
    first.process.wait(timeout=10)
    assert status_of(run.pk).status == "running"  # nobody has noticed yet
    time.sleep(5)  # heartbeat now older than JOBS_STALE_SECONDS=4
    worker_factory()  # the generic job reaper runs when it is ready, then the worker runs the re-queued task
    wait_for(lambda: status_of(run.pk).status in Job.FINISHED, 240, "the re-queued run to finish")
    done = run_of(run.pk)
    assert done.job.status == "succeeded", done.job.error
    assert done.job.attempts == 2
    siblings = [p.name for p in Path(done.result_path).parent.iterdir() if p.name.split(".")[0] == str(run.pk)]
    assert siblings == [str(run.pk)]  # one result set, no staging left from the killed attempt


def test_sigkilled_pool_child_run_is_taken_over_by_its_redelivery_without_a_page_view(worker_factory) -> None:
    """Finding 2 of issue 12: after SIGKILL of the pool child, reject_on_worker_lost redelivers the
    message at once; the redelivery saw a heartbeat younger than JOBS_STALE_SECONDS, returned
    "nothing to do", was acked, and the run stayed "running" until someone opened the health page.
    The stale limit is set far beyond the test here, so neither the reaper nor a page view can be
    what finishes the run: only the redelivered message can."""
    worker = worker_factory(pool="prefork", concurrency=2, env={"JOBS_STALE_SECONDS": "900"})
    run = backtest_run_create(config=long_config(seed=8), owner=UserFactory()).run
    wait_for(lambda: status_of(run.pk).progress >= 0.15, 180, "the simulation to be under way")
    children = _live_children(worker)
    for pid in children:  # the busy child and the idle one: SIGKILL, no warning
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not children & _live_children(worker), 10, "the children to die")
    wait_for(lambda: status_of(run.pk).status in Job.FINISHED, 300, "the killed run to finish by itself")
    done = run_of(run.pk)
    assert done.job.status == "succeeded", done.job.error
    assert done.job.attempts == 2 and done.sharpe is not None
    assert worker.process.poll() is None  # the worker itself never died
    siblings = [p.name for p in Path(done.result_path).parent.iterdir() if p.name.split(".")[0] == str(run.pk)]
    assert siblings == [str(run.pk)]


def test_high_priority_runs_before_low_on_a_busy_worker(worker_factory) -> None:
    worker_factory()
    owner = UserFactory()
    blocker = backtest_run_create(config=long_config(seed=7), owner=owner).run
    wait_for(lambda: status_of(blocker.pk).status == "running", 120, "the worker to be busy")
    low = backtest_run_create(config=synthetic_config(signal="low_vol"), owner=owner, priority="low").run
    high = backtest_run_create(config=synthetic_config(signal="reversal_1m"), owner=owner, priority="high").run
    backtest_run_cancel(run=run_of(blocker.pk))  # free the worker sooner
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
    wait_for(lambda: status_of(parent.pk).status in Job.FINISHED, 180, "the walk-forward parent")
    done = run_of(parent.pk)
    assert done.job.status == "succeeded", done.job.error
    assert set(done.children.values_list("job__status", flat=True)) == {"succeeded"}
    assert done.summary["walk_forward"]["n_folds"] >= 2 and (Path(done.result_path) / "oos.parquet").exists()


def test_the_generic_reaper_task_runs_on_the_worker(worker_factory) -> None:
    from quant.tasks import reap_jobs

    worker_factory()
    assert enqueue(reap_jobs, queue="backtests").result(timeout=60) == {
        "requeued": [],
        "failed": [],
        "terminated": [],
        "resent": [],
    }
