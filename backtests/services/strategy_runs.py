"""The daily strategy job: each active paper strategy trades the latest warehouse session as a
``quant.Job`` of kind ``strategy_run`` (idempotency key ``<strategy id>/<date>``: one per strategy
and date). The beat task ``backtests.run_strategies`` calls :func:`strategies_run_due` after the
nightly sync; a strategy behind by several sessions catches up from the day after its last run.
Every session trades what the engine decides that day: the rebalance on the schedule's dates,
exits from the universe (and delistings) on any day, nothing otherwise — plus the day's snapshot.
"""

from __future__ import annotations

import datetime as dt

from backtests import conf
from backtests.data import DataUnavailable, data_range
from backtests.models import StrategyConfig
from backtests.services.strategies import StrategyNotRunnable, last_run, strategy_replay
from quant.jobs.queue import enqueue_on_commit
from quant.jobs.runner import JobRun, RunOutcome, job_run
from quant.jobs.services import job_get_or_create
from quant.models import Job, Strategy
from quant.trading.errors import TradingError

KIND = "strategy_run"


def strategies_run_due(*, as_of: dt.date | None = None) -> list[RunOutcome]:
    """Run (inline, one after the other) the job of every active paper strategy for ``as_of``
    (default: the warehouse's last session); a job that exists for that strategy and date is a no-op."""
    as_of = as_of or data_range("warehouse").last
    outcomes = []
    configs = StrategyConfig.objects.select_related("strategy").filter(
        strategy__status=Strategy.Status.ACTIVE, broker=StrategyConfig.Broker.PAPER
    )
    for run_config in configs.order_by("strategy__name"):
        job = strategy_run_job(strategy=run_config.strategy, as_of=as_of)
        outcomes.append(strategy_run_execute(job_id=job.pk, task_id=job.celery_task_id))
    return outcomes


def strategy_run_job(*, strategy: Strategy, as_of: dt.date, user: object | None = None) -> Job:
    job, _ = job_get_or_create(
        kind=KIND, idempotency_key=f"{strategy.pk}/{as_of.isoformat()}", label=f"{strategy.name} {as_of}",
        params={"strategy_id": strategy.pk, "as_of": as_of.isoformat()}, queue=conf.queue(), requested_by=user,
    )  # fmt: skip
    return job


def strategy_run_execute(*, job_id: int, task_id: str) -> RunOutcome:
    """Trade the job's strategy up to its date (from the session after its last run)."""
    return job_run(job_id=job_id, task_id=task_id, body=_body,
                   expected=(StrategyNotRunnable, DataUnavailable, TradingError))  # fmt: skip


def _body(run: JobRun) -> str:
    job = Job.objects.get(pk=run.claim.job_id)
    strategy = Strategy.objects.get(pk=job.params["strategy_id"])
    as_of = dt.date.fromisoformat(job.params["as_of"])
    last = last_run(strategy)
    start = as_of if last is None else min(as_of, last + dt.timedelta(days=1))
    run.progress(0.05, f"loading data for {start}..{as_of}", force=True)
    result = strategy_replay(
        strategy=strategy, start=start, end=as_of, job=job,
        progress=lambda done, total, day: run.progress(0.1 + 0.9 * done / total, f"traded {day}"),
    )  # fmt: skip
    days = result.traded
    orders = sum(d.orders for d in days)
    for day in days:
        run.log(f"{day.date}: {day.orders} orders ({day.reason or 'no trade'}), equity {day.equity}")
        for note in day.notes[:3]:  # why orders were refused (halted strategy, circuit breaker, size limits)
            run.log(f"{day.date}: {note}")
    return f"{len(days)} sessions, {orders} orders" if days else f"already ran up to {as_of}"


def strategy_run_requeue(job: Job) -> None:
    """The kind's ``requeue`` (lost worker, retry): run the job's task again after commit."""
    from backtests.tasks import run_strategy_job

    enqueue_on_commit(run_strategy_job, args=(job.pk,), queue=job.queue, task_id=job.celery_task_id)


def strategy_live_enable(*, run_config: StrategyConfig, user: object, reason: str) -> StrategyConfig:
    """Switch a strategy to the live broker. Only an admin (superuser) with a reason; the view
    wraps this in a fresh TOTP step-up, which writes the audit row (``strategy.live_enable``)."""
    from django.utils import timezone

    if not getattr(user, "is_superuser", False):
        raise PermissionError("only an admin may enable live trading")
    if not reason.strip():
        raise ValueError("write why live trading is enabled")
    run_config.broker = StrategyConfig.Broker.LIVE
    run_config.live_enabled_by = user  # type: ignore[assignment]
    run_config.live_enabled_at = timezone.now()
    run_config.live_reason = reason.strip()
    run_config.save(update_fields=["broker", "live_enabled_by", "live_enabled_at", "live_reason", "updated"])
    return run_config
