"""Quickstart steps 40 and 45: one example backtest, and two demo paper strategies replayed over
the demo's last 12 months (``paper_run``), so the Backtests and strategy pages have data after setup.

Monthly 12-1 momentum, long-short deciles, on the demo warehouse built by step 20, queued through
the normal service (``quant.jobs.enqueue`` after commit: a Celery worker, or in-process without a
broker) and waited for. Idempotent: the config hash returns the existing run the second time.
"""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.auth import get_user_model

from backtests.configs import BacktestConfig
from backtests.data import data_range
from backtests.models import BacktestRun
from backtests.services import backtest_run_create, backtest_run_execute
from quant.accounts.bootstrap import DEMO_ADMIN_USERNAME
from quant.jobs.queue import broker_configured
from quant.models import Job
from quant.quickstart import Options, Step

WAIT_SECONDS = 900
LOOKBACK = dt.timedelta(days=400)  # momentum needs a year of history before the first trade


def example_config() -> BacktestConfig:
    available = data_range("warehouse")
    return BacktestConfig(
        signal="momentum", start=available.first + LOOKBACK, end=available.last, rebalance="monthly",
        construction="long_short_decile", commission_bps=1.0, half_spread_bps=5.0,
    )  # fmt: skip


def wait_for_run(run_id: int, *, timeout: float, poll: float = 1.0) -> BacktestRun:
    """Poll the row until the run finishes (either mode), or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        run = BacktestRun.objects.select_related("job").get(pk=run_id)
        if run.job.status in Job.FINISHED:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"backtest #{run_id} still {run.job.status} after {timeout:.0f}s ({run.job.percent}%)")
        time.sleep(poll)


def worker_consumes(queue: str, *, timeout: float = 2.0) -> bool:
    """Whether some Celery worker answering within ``timeout`` consumes ``queue`` (False without a broker)."""
    if not broker_configured():
        return False
    from config.celery import app

    try:
        replies = app.control.inspect(timeout=timeout).active_queues() or {}
    except Exception:  # no broker answer: nobody will run it
        return False
    return any(q.get("name") == queue for queues in replies.values() for q in queues)


def queue_example_backtest(opts: Options) -> None:
    owner = get_user_model().objects.get(username=DEMO_ADMIN_USERNAME)
    created = backtest_run_create(config=example_config(), owner=owner, label="Example: momentum 12-1 monthly L/S")
    verb = "queued" if created.created else "already exists:"
    opts.stdout.write(f"backtest #{created.run.pk} {verb} {created.run.label}; waiting for it to finish...\n")
    job = created.run.job
    if broker_configured() and job.status == Job.Status.QUEUED and not worker_consumes(job.queue):
        # With REDIS_URL but no worker yet (QUICKSTART_SERVE=0 starts none) the run would wait for
        # WAIT_SECONDS. Run it here under a local task id: if a worker starts later, the queued
        # message finds the job running or finished and does nothing.
        opts.stdout.write(f"no Celery worker consumes {job.queue!r}: running the example backtest in this process\n")
        backtest_run_execute(run_id=created.run.pk, task_id="")
    run = wait_for_run(created.run.pk, timeout=WAIT_SECONDS)
    if run.job.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"example backtest #{run.pk} {run.job.status}: {run.job.error}")
    opts.stdout.write(
        f"backtest #{run.pk} succeeded: total return {run.total_return:.1%}, Sharpe {run.sharpe:.2f} "
        "(see /backtests/)\n"
    )


def run_demo_strategies(opts: Options) -> None:
    """Two paper strategies replayed over the demo's last ~12 months (idempotent: days run are skipped)."""
    from backtests.services.demo_strategies import demo_strategies_run

    started = time.perf_counter()
    for line in demo_strategies_run():
        opts.stdout.write(line + "\n")
    opts.stdout.write(f"demo paper strategies ready in {time.perf_counter() - started:.1f} s\n")


STEPS = [
    Step(name="Example backtest (momentum 12-1, monthly, long-short)", order=40, run=queue_example_backtest),
    Step(name="Demo paper strategies (momentum, low volatility): last 12 months", order=45, run=run_demo_strategies),
]
