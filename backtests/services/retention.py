"""Retention: delete old finished runs and their files, never protected ones.

A run is kept when it is active (queued/running), ``pinned``, ``referenced_by`` something, or its
config hash is listed by a golden test (``tests/regression/goldens/*.json``). Among the rest, a
run is deleted when it is older than ``keep_days`` or beyond the ``keep_per_owner`` newest
finished runs of its owner (either rule alone may be given).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from backtests.models import BacktestRun
from backtests.services.goldens import golden_config_hashes
from backtests.services.results import results_delete
from quant.models import Job
from warehouse.references import remove_reference

logger = logging.getLogger("quantdesk.backtests")


@dataclass
class PrunePlan:
    delete: list[BacktestRun] = field(default_factory=list)
    protected: dict[int, str] = field(default_factory=dict)  # run id -> why kept


def _protection(run: BacktestRun, golden_hashes: set[str]) -> str | None:
    if run.pinned:
        return "pinned"
    if run.referenced_by:
        return f"referenced by {run.referenced_by}"
    if run.config_hash in golden_hashes:
        return "golden test"
    return None


def prune_plan(
    *, keep_days: int | None = None, keep_per_owner: int | None = None, now: dt.datetime | None = None
) -> PrunePlan:
    """Which finished top-level runs the policy deletes (see the module docstring)."""
    if keep_days is None and keep_per_owner is None:
        raise ValueError("give keep_days, keep_per_owner or both")
    if (keep_days is not None and keep_days < 0) or (keep_per_owner is not None and keep_per_owner < 0):
        raise ValueError("retention limits must be non-negative")
    now = now or timezone.now()
    golden = golden_config_hashes()
    plan = PrunePlan()
    seen: dict[int, int] = defaultdict(int)
    finished = (
        BacktestRun.objects.filter(job__status__in=Job.FINISHED, parent__isnull=True)
        .select_related("job")
        .order_by("owner_id", "-job__created_at", "-id")
    )
    for run in finished:
        seen[run.owner_id] += 1
        too_old = keep_days is not None and run.job.created_at < now - dt.timedelta(days=keep_days)
        too_many = keep_per_owner is not None and seen[run.owner_id] > keep_per_owner
        if not (too_old or too_many):
            continue
        why = _protection(run, golden)
        if why:
            plan.protected[run.pk] = why
        else:
            plan.delete.append(run)
    return plan


def backtests_prune(*, plan: PrunePlan) -> int:
    """Delete the planned runs (rows, children, files, warehouse references); returns how many."""
    deleted = 0
    for run in plan.delete:
        with transaction.atomic():
            locked = (
                BacktestRun.objects.select_for_update(of=("self", "job")).select_related("job")
                .filter(pk=run.pk, pinned=False, referenced_by="").first()
            )  # fmt: skip
            if locked is None or locked.job.status not in Job.FINISHED:
                continue  # pinned or restarted since the plan was made
            children = list(locked.children.select_related("job"))
            for child in children:
                results_delete(child)
            _drop_warehouse_references(locked)
            results_delete(locked)
            locked.delete()  # its children too (cascade); then the jobs they pointed at
            Job.objects.filter(pk__in=[locked.job_id, *(c.job_id for c in children)]).delete()
            deleted += 1
    logger.info("pruned %s backtest runs", deleted)
    return deleted


def _drop_warehouse_references(run: BacktestRun) -> None:
    for dataset, version in run.dataset_versions.items():
        if isinstance(version, int):
            remove_reference(dataset, version, f"backtest:{run.pk}")
