"""Walk-forward as jobs: a parent row fans out one child backtest per candidate (Celery sub-jobs),
and the last child to finish queues the stitching.

Each child runs the base config with one candidate's overrides (e.g. another signal) over the
whole period, point-in-time, like any run. Stitching (``walkforward_finalize``) builds the
``(T, N)`` matrix of the children's net daily returns, picks the best candidate on each train
window and holds it over the next test window (``backtests.analytics.walkforward``), then scores
the selection: stitched out-of-sample Sharpe, walk-forward efficiency, PBO by CSCV and the
deflated Sharpe ratio of the best candidate (``backtests.analytics.overfitting``). The parent
keeps those numbers; ``oos.parquet`` and ``folds.parquet`` go to its result directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.db import transaction

from backtests import conf
from backtests.analytics.metrics import sharpe_ratio
from backtests.analytics.overfitting import deflated_sharpe_from_trials, probability_of_backtest_overfitting
from backtests.analytics.walkforward import expanding_folds, rolling_folds, walk_forward
from backtests.configs import BacktestConfig, ConfigError
from backtests.models import BacktestRun
from backtests.services.results import read_series, run_dir, summarize_returns
from backtests.services.runs import JOB_KIND, WALK_FORWARD_KIND, CreateResult, backtest_run_queue, run_key
from quant.artifacts import artifact_publish
from quant.jobs import enqueue_on_commit
from quant.jobs.services import job_cancel, job_create, job_get_or_create, job_set_state
from quant.models import Job
from quant.periods import MONTHS_PER_YEAR, TRADING_DAYS_PER_YEAR
from quant.provenance import canonical_json, code_version, sha256_text

DAYS_PER_MONTH = TRADING_DAYS_PER_YEAR // MONTHS_PER_YEAR
PBO_BLOCKS = 8


@dataclass(frozen=True)
class WalkForwardSpec:
    """Base config, candidate overrides (>= 2) and the fold lengths in months of trading days."""

    base: BacktestConfig
    candidates: list[dict[str, Any]]
    train_months: int = 24
    test_months: int = 6
    expanding: bool = False  # train on everything before each test window (train_months is the minimum)
    extra: dict[str, Any] = field(default_factory=dict)

    def candidate_configs(self) -> list[BacktestConfig]:
        data = self.base.as_json_dict()
        return [BacktestConfig.from_json_dict({**data, **overrides}) for overrides in self.candidates]

    def validate(self) -> None:
        errors = {}
        if len(self.candidates) < 2:
            errors["candidates"] = "pick at least two candidates"
        if self.train_months < 3 or self.test_months < 1:
            errors["train_months"] = "train needs >= 3 months and test >= 1 month"
        if errors:
            raise ConfigError(errors)
        self.base.validate()
        self.candidate_configs()

    def as_json_dict(self) -> dict[str, Any]:
        return {
            "base": self.base.as_json_dict(), "candidates": self.candidates,
            "train_months": self.train_months, "test_months": self.test_months,
            **({"expanding": True} if self.expanding else {}),  # absent when rolling: older hashes unchanged
        }  # fmt: skip


def walkforward_create(
    *, spec: WalkForwardSpec, owner: Any, label: str = "", priority: str = BacktestRun.Priority.NORMAL
) -> CreateResult:
    """Create the parent and its children and queue the children (idempotent like single runs).

    The parent's job (kind ``walk_forward``) runs no task of its own: it is running from the start,
    its progress follows its children and ``walkforward_finalize`` ends it.
    """
    from backtests.data import current_dataset_versions

    spec.validate()
    versions = current_dataset_versions(spec.base)
    for config in spec.candidate_configs():  # a candidate may read more (e.g. value: compustat)
        versions |= current_dataset_versions(config)
    keys = {"config_hash": sha256_text(canonical_json(spec.as_json_dict())),
            "data_hash": sha256_text(canonical_json(versions))}  # fmt: skip
    label = label or f"Walk-forward: {len(spec.candidates)} candidates"
    with transaction.atomic():
        job, created = job_get_or_create(
            kind=WALK_FORWARD_KIND, idempotency_key=run_key(**keys), label=label, requested_by=owner,
            queue=conf.queue(),
        )  # fmt: skip
        if not created:
            return CreateResult(BacktestRun.objects.select_related("job").get(job=job), False)
        parent = BacktestRun.objects.create(
            **keys, kind=BacktestRun.Kind.WALK_FORWARD, job=job, config=spec.as_json_dict(), dataset_versions=versions,
            code_version=code_version(), owner=owner, priority=priority, label=label,
        )  # fmt: skip
        Job.objects.filter(pk=job.pk).update(params={"run_id": parent.pk})
        job_set_state(job_id=job.pk, status=Job.Status.RUNNING, message="children queued")
        for i, config in enumerate(spec.candidate_configs()):
            child_label = f"candidate {i}: {json.dumps(spec.candidates[i], sort_keys=True)}"
            child_job = job_create(kind=JOB_KIND, label=child_label, requested_by=owner, queue=conf.queue())
            child = BacktestRun.objects.create(
                config_hash=config.hash(), data_hash=keys["data_hash"], config=config.as_json_dict(), job=child_job,
                dataset_versions=versions, code_version=parent.code_version, owner=owner, parent=parent,
                label=child_label, priority=parent.priority,
            )  # fmt: skip
            backtest_run_queue(child)
    parent.job.refresh_from_db()
    return CreateResult(parent, True)


def child_finished(run: BacktestRun) -> None:
    """Called when a child reaches a final status: queue the parent's stitching after commit."""
    from backtests.tasks import finalize_walk_forward

    if run.parent_id is not None:
        enqueue_on_commit(finalize_walk_forward, args=(run.parent_id,), queue=conf.queue())


def _children_progress(parent_id: int) -> tuple[float, int, int]:
    """Mean progress of a parent's candidate jobs (finished ones count as done), #finished, #children."""
    states = list(Job.objects.filter(backtest_run__parent_id=parent_id).values_list("status", "progress"))
    done = sum(1 for status, _ in states if status in Job.FINISHED)
    total = sum(1.0 if status in Job.FINISHED else progress for status, progress in states)
    return total / max(len(states), 1), done, len(states)


def walkforward_refresh(*, parent_id: int) -> None:
    """Set a running parent's progress from its candidates' (called from their progress callbacks)."""
    progress, done, n = _children_progress(parent_id)
    job_id = BacktestRun.objects.filter(pk=parent_id).values_list("job_id", flat=True).get()
    job_set_state(job_id=job_id, progress=progress, message=f"{done} of {n} candidates finished")


def walkforward_on_cancel(job: Job) -> None:
    """The ``walk_forward`` kind's cancel hook (inside ``job_cancel``'s transaction): cancel the
    candidate runs still queued or running and end the parent as cancelled."""
    parent = BacktestRun.objects.get(job=job)
    for child_job in Job.objects.filter(backtest_run__parent=parent, status__in=Job.ACTIVE):
        job_cancel(job=child_job)
    job_set_state(job_id=job.pk, status=Job.Status.CANCELLED, message="cancelled with its candidate runs")
    job.refresh_from_db()


def walkforward_finalize(*, parent_id: int) -> str:
    """Stitch when every child has finished (a no-op before that, and once the parent is final)."""
    with transaction.atomic():
        parent = BacktestRun.objects.get(pk=parent_id)
        job = Job.objects.select_for_update().get(pk=parent.job_id)  # jobs first, like job_cancel
        if job.status in Job.FINISHED:
            return job.status
        children = list(parent.children.select_related("job").order_by("id"))
        progress, done, n = _children_progress(parent_id)
        bad = [c for c in children if c.job.status in Job.FINISHED and c.job.status != Job.Status.SUCCEEDED]
        if bad:
            error = f"candidate run #{bad[0].pk} {bad[0].job.status}: {bad[0].job.error}"[:2000]
            job_set_state(job_id=job.pk, status=Job.Status.FAILED, message="failed", error=error)
        elif done == n:
            try:
                _stitch(parent, children)
            except (ValueError, OSError) as exc:  # too few days for a fold, a damaged child result
                job_set_state(job_id=job.pk, status=Job.Status.FAILED, message="failed", error=str(exc))
            else:
                job_set_state(job_id=job.pk, status=Job.Status.SUCCEEDED, message="stitched")
        else:
            job_set_state(job_id=job.pk, progress=progress, message=f"{done} of {n} candidates finished")
        return Job.objects.values_list("status", flat=True).get(pk=job.pk)


def _stitch(parent: BacktestRun, children: list[BacktestRun]) -> None:
    spec = parent.config
    frames = [
        read_series(c, "daily").select("date", pl.col("net_return").alias(f"c{i}")) for i, c in enumerate(children)
    ]
    wide = frames[0]
    for frame in frames[1:]:
        wide = wide.join(frame, on="date", how="inner")
    wide = wide.sort("date")
    matrix = wide.drop("date").to_numpy()
    train, test = spec["train_months"] * DAYS_PER_MONTH, spec["test_months"] * DAYS_PER_MONTH
    if spec.get("expanding"):
        folds = expanding_folds(matrix.shape[0], min_train=train, test=test)
    else:
        folds = rolling_folds(matrix.shape[0], train=train, test=test)
    if not folds:
        raise ConfigError({"train_months": f"{matrix.shape[0]} days are too few for one train+test window"})
    result = walk_forward(matrix, folds, dates=wide["date"])
    pbo = probability_of_backtest_overfitting(matrix, n_blocks=PBO_BLOCKS)
    dsr = deflated_sharpe_from_trials(matrix)
    ids = {i: c.pk for i, c in enumerate(children)}
    oos = result.oos.with_columns(run_id=pl.col("candidate").replace_strict(ids, return_dtype=pl.Int64))
    perf = summarize_returns(oos.select("date", "return"))
    diagnostics = {
        "oos_sharpe": result.oos_sharpe, "mean_is_sharpe": result.mean_is_score,
        "mean_oos_sharpe": result.mean_oos_score, "efficiency": result.efficiency,
        "pbo": pbo.pbo, "pbo_splits": pbo.n_splits, "prob_oos_loss": pbo.prob_oos_loss,
        "deflated_sharpe": dsr.dsr, "dsr_benchmark_sharpe_per_period": dsr.sr0,
        "candidate_sharpes": [float(sharpe_ratio(matrix[:, i])) for i in range(matrix.shape[1])],
        "n_folds": len(folds),
    }  # fmt: skip
    path = _write(parent, {"oos": oos, "folds": result.folds}, diagnostics)
    for name, value in {**perf.row_fields(), "result_path": str(path)}.items():
        setattr(parent, name, value)
    parent.summary = {**perf.summary, "walk_forward": _finite(diagnostics)}
    parent.save()


def _finite(values: dict[str, Any]) -> dict[str, Any]:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not np.isfinite(v):
            return None
        return [clean(x) for x in v] if isinstance(v, list) else v

    return {k: clean(v) for k, v in values.items()}


def _write(parent: BacktestRun, frames: dict[str, pl.DataFrame], diagnostics: dict[str, Any]) -> Path:
    artifact = artifact_publish(
        run_dir(parent.pk), kind="walk_forward", frames=frames, dataset_versions=parent.dataset_versions,
        config_hash=parent.config_hash, summary=_finite(diagnostics), extra={"run_id": parent.pk}, replace=True,
    )  # fmt: skip
    return artifact.path
