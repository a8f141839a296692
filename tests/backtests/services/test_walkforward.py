"""Walk-forward jobs: children fan out, the parent's progress follows them, the last one to finish
triggers the stitching, and cancelling the parent cancels the children."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from backtests.analytics.walkforward import expanding_folds, rolling_folds, walk_forward
from backtests.services import backtest_run_cancel, backtest_run_execute
from backtests.services.results import read_series
from backtests.services.walkforward import (
    DAYS_PER_MONTH,
    WalkForwardSpec,
    walkforward_create,
    walkforward_finalize,
    walkforward_refresh,
)
from quant.jobs.services import job_cancel, job_claim
from quant.models import Job
from tests.backtests.conftest import synthetic_config
from tests.backtests.factories import finished_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CANDIDATES = [{"signal": "momentum"}, {"signal": "reversal"}, {"signal": "lowvol"}]


def spec() -> WalkForwardSpec:
    return WalkForwardSpec(base=synthetic_config(), candidates=CANDIDATES, train_months=6, test_months=3)


def test_parent_stitches_after_the_last_child(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        parent = walkforward_create(spec=spec(), owner=UserFactory()).run
    children = list(parent.children.select_related("job").order_by("id"))
    assert parent.kind == "walk_forward" and len(children) == 3 and len(queued) == 3
    assert (parent.job.kind, parent.job.status, parent.job.heartbeat_at) == ("walk_forward", "running", None)
    assert parent.job.started_at is not None and parent.job.idempotency_key
    assert {(c.job.kind, c.job.status, c.job.idempotency_key) for c in children} == {("backtest", "queued", "")}
    assert [c.config["signal"] for c in children] == [c["signal"] for c in CANDIDATES]
    for child in children:
        with django_capture_on_commit_callbacks() as finishing:
            backtest_run_execute(run_id=child.pk, task_id=f"t{child.pk}")
        assert len(finishing) == 1  # each finished child queues the parent's finalize task
        walkforward_finalize(parent_id=parent.pk)  # what that task runs
        parent.refresh_from_db()
        if child != children[-1]:
            done = children.index(child) + 1
            assert parent.job.status == "running" and parent.job.progress == pytest.approx(done / 3)
            assert parent.job.message == f"{done} of 3 candidates finished"
    assert parent.job.status == "succeeded", parent.job.error
    assert (parent.job.progress, parent.job.message) == (1.0, "stitched")
    children = list(parent.children.order_by("id"))
    # Independent recomputation from the children's files with the analytics function.
    wide = read_series(children[0], "daily").select("date", pl.col("net_return").alias("c0"))
    for i, child in enumerate(children[1:], start=1):
        wide = wide.join(read_series(child, "daily").select("date", pl.col("net_return").alias(f"c{i}")), on="date")
    matrix = wide.sort("date").drop("date").to_numpy()
    expected = walk_forward(matrix, rolling_folds(matrix.shape[0], train=6 * DAYS_PER_MONTH, test=3 * DAYS_PER_MONTH))
    diag = parent.summary["walk_forward"]
    assert diag["oos_sharpe"] == pytest.approx(expected.oos_sharpe, rel=1e-12)
    assert diag["n_folds"] == expected.folds.height and 0.0 <= diag["pbo"] <= 1.0
    oos = read_series(parent, "oos")
    assert parent.total_return == pytest.approx(float(np.prod(1 + oos["return"].to_numpy()) - 1), rel=1e-12)
    assert set(oos["run_id"].unique().to_list()) <= {c.pk for c in children}
    again = walkforward_create(spec=spec(), owner=UserFactory())
    assert not again.created and again.run.pk == parent.pk


def test_the_parent_progress_is_the_mean_of_its_candidates() -> None:
    parent = walkforward_create(spec=spec(), owner=UserFactory()).run
    first, second, _ = parent.children.order_by("id")
    Job.objects.filter(pk=first.job_id).update(status="succeeded", progress=1.0)
    Job.objects.filter(pk=second.job_id).update(status="running", progress=0.5)
    walkforward_refresh(parent_id=parent.pk)
    parent.job.refresh_from_db()
    assert parent.job.progress == pytest.approx(0.5) and parent.job.message == "1 of 3 candidates finished"


def test_a_failed_child_fails_the_parent() -> None:
    parent = walkforward_create(spec=spec(), owner=UserFactory()).run
    first = parent.children.order_by("id").first()
    Job.objects.filter(pk=first.job_id).update(status="failed", error="boom")
    assert walkforward_finalize(parent_id=parent.pk) == "failed"
    parent.refresh_from_db()
    assert parent.job.error.startswith(f"candidate run #{first.pk} failed: boom")
    assert walkforward_finalize(parent_id=parent.pk) == "failed"  # a final parent is left alone


def test_cancelling_the_parent_cancels_its_queued_and_running_candidates() -> None:
    two = WalkForwardSpec(base=synthetic_config(), candidates=CANDIDATES[:2])
    parent = walkforward_create(spec=two, owner=UserFactory()).run
    queued, running = parent.children.order_by("id")
    job_claim(job_id=running.job_id, task_id="t-running")
    cancelled = job_cancel(job=parent.job)  # the Jobs page's cancel, through the kind's on_cancel
    assert (cancelled.status, cancelled.message) == ("cancelled", "cancelled with its candidate runs")
    queued.job.refresh_from_db()
    running.job.refresh_from_db()
    assert queued.job.status == "cancelled"
    assert running.job.status == "running" and running.job.cancel_requested  # it stops at its next check
    assert walkforward_finalize(parent_id=parent.pk) == "cancelled"
    assert backtest_run_cancel(run=parent).job.status == "cancelled"  # the run page's cancel: no change


def test_expanding_window_walk_forward_trains_on_all_earlier_history(django_capture_on_commit_callbacks) -> None:
    expanding = WalkForwardSpec(**{**spec().__dict__, "expanding": True})
    assert expanding.as_json_dict()["expanding"] is True and "expanding" not in spec().as_json_dict()
    with django_capture_on_commit_callbacks(execute=False):
        parent = walkforward_create(spec=expanding, owner=UserFactory()).run
    children = list(parent.children.order_by("id"))
    for child in children:
        backtest_run_execute(run_id=child.pk, task_id=f"t{child.pk}")
    walkforward_finalize(parent_id=parent.pk)
    parent.refresh_from_db()
    assert parent.job.status == "succeeded", parent.job.error
    children = list(parent.children.order_by("id"))
    wide = read_series(children[0], "daily").select("date", pl.col("net_return").alias("c0"))
    for i, child in enumerate(children[1:], start=1):
        wide = wide.join(read_series(child, "daily").select("date", pl.col("net_return").alias(f"c{i}")), on="date")
    matrix = wide.sort("date").drop("date").to_numpy()
    folds = expanding_folds(matrix.shape[0], min_train=6 * DAYS_PER_MONTH, test=3 * DAYS_PER_MONTH)
    assert all(f.train_start == 0 for f in folds)
    expected = walk_forward(matrix, folds)
    assert parent.summary["walk_forward"]["oos_sharpe"] == pytest.approx(expected.oos_sharpe, rel=1e-12)


def test_rank_weighted_construction_holds_every_name_dollar_neutral() -> None:
    run = finished_run(UserFactory(), construction="long_short_rank")
    positions = read_series(run, "positions")
    last = positions.filter(pl.col("date") == positions["date"].max())
    assert last["weight"].sum() == pytest.approx(0.0, abs=0.05)  # dollar neutral at the last rebalance (drifted)
    assert last.height > 50  # every name of the 60-stock panel with a signal, not just the deciles
