"""Reconciliation: the platform's positions and cash against what the broker reports.

``reconcile(strategy, broker)`` lists every difference (nothing is changed). The ``trading_reconcile``
job runs it for one strategy (``manage.py trading_reconcile --strategy NAME`` or the Celery task);
its log holds one line per difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from quant.models import Job, Strategy
from quant.trading.broker import Broker
from quant.trading.brokers import broker_for, broker_name
from quant.trading.errors import TradingError
from quant.trading.ledger import ZERO
from quant.trading.models import Position
from quant.trading.selectors import cash_balance

if TYPE_CHECKING:
    from quant.jobs.runner import JobRun, RunOutcome

JOB_KIND = "trading_reconcile"
QTY_TOLERANCE = Decimal("0.00000001")
CASH_TOLERANCE = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Difference:
    """One mismatch: ``kind`` is "position" (shares of ``symbol``) or "cash" (dollars)."""

    kind: str
    symbol: str
    local: Decimal
    broker: Decimal

    @property
    def delta(self) -> Decimal:
        return self.broker - self.local

    def __str__(self) -> str:
        if self.kind == "cash":
            return f"cash: local {self.local} dollars, broker {self.broker} dollars (broker - local = {self.delta})"
        return f"{self.symbol}: local {self.local} shares, broker {self.broker} shares (broker - local = {self.delta})"


def reconcile(
    strategy: Strategy,
    broker: Broker,
    *,
    qty_tolerance: Decimal = QTY_TOLERANCE,
    cash_tolerance: Decimal | None = CASH_TOLERANCE,
) -> list[Difference]:
    """Every position whose share count differs by more than ``qty_tolerance`` (a symbol held on
    one side only counts as 0 on the other), then cash beyond ``cash_tolerance`` dollars (None:
    cash is not compared, for brokers whose account mixes several strategies). Sorted by symbol."""
    local = {
        p.symbol: p.quantity
        for p in Position.objects.filter(strategy=strategy).exclude(quantity=0).only("symbol", "quantity")
    }
    remote: dict[str, Decimal] = {}
    for p in broker.positions():
        remote[p.symbol] = remote.get(p.symbol, ZERO) + p.quantity
    out = [
        Difference("position", symbol, local.get(symbol, ZERO), remote.get(symbol, ZERO))
        for symbol in sorted(set(local) | set(remote))
        if abs(local.get(symbol, ZERO) - remote.get(symbol, ZERO)) > qty_tolerance
    ]
    if cash_tolerance is not None:
        mine, theirs = cash_balance(strategy), broker.account().cash
        if abs(mine - theirs) > cash_tolerance:
            out.append(Difference("cash", "", mine, theirs))
    return out


# --- the job -----------------------------------------------------------------------------------------
def reconcile_job_create(strategy: Strategy, *, broker: str | None = None, user: Any = None) -> Job:
    """A queued ``trading_reconcile`` job row for ``strategy`` (inside the caller's transaction)."""
    from quant.jobs.services import job_create

    params = {"strategy_id": strategy.pk, "broker": broker or broker_name(strategy)}
    return job_create(kind=JOB_KIND, label=f"Reconcile {strategy.name}", requested_by=user, params=params)


def reconcile_queue(strategy: Strategy, *, broker: str | None = None, user: Any = None) -> Job:
    """Create the job and queue its task after commit."""
    with transaction.atomic():
        job = reconcile_job_create(strategy, broker=broker, user=user)
        reconcile_requeue(job)
    return job


def reconcile_requeue(job: Job) -> None:
    """Queue the task of a ``trading_reconcile`` job (also the kind's ``requeue``)."""
    from quant.jobs.services import job_queue
    from quant.tasks import trading_reconcile_task

    job_queue(job=job, task=trading_reconcile_task, kwargs={"job_id": job.pk})


def reconcile_job_run(*, job_id: int, task_id: str = "", found: list[Difference] | None = None) -> RunOutcome:
    """Run job ``job_id``: one log line per difference; the message counts them. ``found`` (when
    given) receives the differences, for a caller that prints them."""
    from quant.jobs.runner import job_run

    job = Job.objects.get(pk=job_id)

    def body(run: JobRun) -> str:
        strategy = Strategy.objects.get(pk=job.params["strategy_id"])
        diffs = reconcile(strategy, broker_for(strategy, job.params.get("broker")))
        for diff in diffs:
            run.log(str(diff))
        if found is not None:
            found.extend(diffs)
        return f"{len(diffs)} difference(s) between {strategy.name} and broker {job.params.get('broker')}"

    return job_run(job_id=job_id, task_id=task_id, body=body, expected=(TradingError, Strategy.DoesNotExist))
