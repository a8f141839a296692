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
import os
import shutil
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from django.db import transaction
from django.utils import timezone

from backtests import conf
from backtests.analytics.metrics import sharpe_ratio
from backtests.analytics.overfitting import deflated_sharpe_from_trials, probability_of_backtest_overfitting
from backtests.analytics.walkforward import expanding_folds, rolling_folds, walk_forward
from backtests.configs import BacktestConfig, ConfigError
from backtests.models import BacktestRun
from backtests.services.results import read_series, run_dir, staging_dir, summarize_returns
from backtests.services.runs import CreateResult
from quant.io import atomic_write, atomic_write_text, fsync_dir, sha256_file
from quant.jobs import enqueue_on_commit
from quant.periods import MONTHS_PER_YEAR, TRADING_DAYS_PER_YEAR
from quant.provenance import canonical_json, code_version, sha256_text

Status = BacktestRun.Status
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
    """Create the parent and its children and queue the children (idempotent like single runs)."""
    from backtests.data import current_dataset_versions
    from backtests.services.runs import _live_run, _queue

    spec.validate()
    versions = current_dataset_versions(spec.base)
    for config in spec.candidate_configs():  # a candidate may read more (e.g. value: compustat)
        versions |= current_dataset_versions(config)
    keys = {"config_hash": sha256_text(canonical_json(spec.as_json_dict())),
            "data_hash": sha256_text(canonical_json(versions))}  # fmt: skip
    existing = _live_run(keys)
    if existing is not None:
        return CreateResult(existing, False)
    with transaction.atomic():
        parent = BacktestRun.objects.create(
            **keys, kind=BacktestRun.Kind.WALK_FORWARD, config=spec.as_json_dict(), dataset_versions=versions,
            code_version=code_version(), owner=owner, status=Status.RUNNING, started_at=timezone.now(),
            priority=priority,
            label=label or f"Walk-forward: {len(spec.candidates)} candidates", progress_message="children queued",
        )  # fmt: skip
        for i, config in enumerate(spec.candidate_configs()):
            child = BacktestRun.objects.create(
                config_hash=config.hash(), data_hash=keys["data_hash"], config=config.as_json_dict(),
                dataset_versions=versions, code_version=parent.code_version, owner=owner, parent=parent,
                label=f"candidate {i}: {json.dumps(spec.candidates[i], sort_keys=True)}", priority=parent.priority,
            )  # fmt: skip
            _queue(child)
    return CreateResult(parent, True)


def child_finished(run: BacktestRun) -> None:
    """Called when a child reaches a final status: queue the parent's stitching after commit."""
    from backtests.tasks import finalize_walk_forward

    if run.parent_id is not None:
        enqueue_on_commit(finalize_walk_forward, args=(run.parent_id,), queue=conf.queue())


def walkforward_finalize(*, parent_id: int) -> str:
    """Stitch when every child has finished (a no-op before that, and once the parent is final)."""
    with transaction.atomic():
        parent = BacktestRun.objects.select_for_update().get(pk=parent_id)
        if parent.status in BacktestRun.FINISHED:
            return parent.status
        children = list(parent.children.order_by("id"))
        done = [c for c in children if c.status in BacktestRun.FINISHED]
        parent.progress = int(100 * len(done) / max(len(children), 1))
        parent.progress_message = f"{len(done)} of {len(children)} candidates finished"
        parent.heartbeat_at = timezone.now()
        bad = [c for c in done if c.status != Status.SUCCEEDED]
        if bad:
            parent.status, parent.finished_at = Status.FAILED, timezone.now()
            parent.error = f"candidate run #{bad[0].pk} {bad[0].status}: {bad[0].error}"[:2000]
        elif len(done) == len(children):
            _stitch(parent, children)
        parent.save()
        return parent.status


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
    final = {"result_path": str(path), "status": Status.SUCCEEDED, "progress": 100,
             "progress_message": "stitched", "finished_at": timezone.now()}  # fmt: skip
    for name, value in {**perf.row_fields(), **final}.items():
        setattr(parent, name, value)
    parent.summary = {**perf.summary, "walk_forward": _finite(diagnostics)}


def _finite(values: dict[str, Any]) -> dict[str, Any]:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not np.isfinite(v):
            return None
        return [clean(x) for x in v] if isinstance(v, list) else v

    return {k: clean(v) for k, v in values.items()}


def _write(parent: BacktestRun, frames: dict[str, pl.DataFrame], diagnostics: dict[str, Any]) -> Any:
    staging, final = staging_dir(parent.pk, 1), run_dir(parent.pk)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    files = {}
    for name, frame in frames.items():
        path = atomic_write(staging / f"{name}.parquet", frame.write_parquet)
        files[name] = {"path": path.name, "sha256": sha256_file(path), "rows": frame.height}
    manifest = {"manifest_version": 1, "run_id": parent.pk, "kind": "walk_forward", "config": parent.config,
                "files": files, "diagnostics": _finite(diagnostics)}  # fmt: skip
    atomic_write_text(staging / "result.json", json.dumps(manifest, indent=2, sort_keys=True, default=str))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    fsync_dir(final.parent)
    return final
