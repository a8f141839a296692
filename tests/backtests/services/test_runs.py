"""Run lifecycle services on the database: idempotency, validation, claims, reaper, guards."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from backtests.configs import BacktestConfig, ConfigError
from backtests.data import DataUnavailable
from backtests.models import BacktestRun
from backtests.services import backtest_run_cancel, backtest_run_create, backtest_run_execute, backtest_runs_reap
from backtests.services.results import read_series
from backtests.services.runs import RunLost, backtest_run_claim, backtest_run_heartbeat
from quant.artifacts import artifact_open, artifact_stage
from tests.backtests.conftest import synthetic_config
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_same_config_on_same_data_returns_the_existing_run() -> None:
    owner = UserFactory()
    first = backtest_run_create(config=synthetic_config(), owner=owner)
    second = backtest_run_create(config=synthetic_config(), owner=UserFactory())
    assert first.created and not second.created and second.run.pk == first.run.pk
    other_data = backtest_run_create(config=synthetic_config(), owner=owner, dataset_versions={"synthetic": "v2"})
    assert other_data.created and other_data.run.pk != first.run.pk
    assert BacktestRun.objects.count() == 2


def test_a_failed_run_does_not_block_a_retry_but_the_constraint_blocks_duplicates() -> None:
    owner = UserFactory()
    run = backtest_run_create(config=synthetic_config(), owner=owner).run
    BacktestRun.objects.filter(pk=run.pk).update(status="failed")
    retry = backtest_run_create(config=synthetic_config(), owner=owner)
    assert retry.created and retry.run.pk != run.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        BacktestRun.objects.create(
            config={}, config_hash=retry.run.config_hash, data_hash=retry.run.data_hash, code_version="x",
            owner=owner,
        )  # fmt: skip


def test_config_hash_is_canonical() -> None:
    config = synthetic_config()
    again = BacktestConfig.from_json_dict(json.loads(config.canonical_json()))
    assert again == config and again.hash() == config.hash()
    assert synthetic_config(commission_bps=2.0).hash() != config.hash()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start": dt.date(2008, 1, 1), "end": dt.date(2007, 1, 1)}, "end"),
        ({"commission_bps": -1.0}, "commission_bps"),
        ({"half_spread_bps": float("nan")}, "half_spread_bps"),
        ({"signal": "astrology"}, "signal"),
        ({"rebalance": "hourly"}, "rebalance"),
        ({"top_n": 0}, "top_n"),
        ({"synthetic": None}, "synthetic"),
    ],
)
def test_service_rejects_invalid_configs_with_field_errors(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        backtest_run_create(config=synthetic_config(**overrides), owner=UserFactory())
    assert field in caught.value.errors
    assert BacktestRun.objects.count() == 0


def test_unknown_settings_in_json_are_rejected() -> None:
    data = synthetic_config().as_json_dict() | {"leverage": 3}
    with pytest.raises(ConfigError) as caught:
        BacktestConfig.from_json_dict(data)
    assert caught.value.errors == {"leverage": "unknown setting"}


def test_execute_writes_one_verified_result_set_and_summary_numbers() -> None:
    run = backtest_run_create(config=synthetic_config(), owner=UserFactory()).run
    outcome = backtest_run_execute(run_id=run.pk, task_id="t-1")
    run.refresh_from_db()
    assert outcome.status == "succeeded" and run.status == "succeeded" and run.attempts == 1
    artifact = artifact_open(run.result_path)
    assert artifact.manifest.kind == "backtest" and artifact.manifest.config_hash == run.config_hash
    assert set(artifact.verify()) == {"daily.parquet", "positions.parquet", "trades.parquet"}
    daily = read_series(run, "daily")
    net = daily["net_return"].to_numpy()
    assert run.total_return == pytest.approx(float((1 + net).prod() - 1), rel=1e-12)
    assert run.sharpe == pytest.approx(float(net.mean() / net.std(ddof=1) * 252**0.5), rel=1e-9)
    assert run.turnover == pytest.approx(float(daily["turnover"].mean()) * 252, rel=1e-12)
    assert artifact.manifest.dataset_versions == run.dataset_versions
    # A second delivery of the same task does nothing.
    assert backtest_run_execute(run_id=run.pk, task_id="t-2").detail == "nothing to do"


def test_cancel_of_a_queued_run_is_immediate_and_the_task_then_skips_it() -> None:
    run = backtest_run_create(config=synthetic_config(), owner=UserFactory()).run
    assert backtest_run_cancel(run=run).status == "cancelled"
    assert backtest_run_execute(run_id=run.pk, task_id="t").status == "cancelled"


def test_claim_refuses_a_run_with_a_fresh_heartbeat_and_takes_a_stale_one() -> None:
    run = backtest_run_create(config=synthetic_config(), owner=UserFactory()).run
    claim = backtest_run_claim(run_id=run.pk, task_id="a")
    assert claim is not None and claim.attempt == 1
    assert backtest_run_claim(run_id=run.pk, task_id="b") is None  # running elsewhere
    BacktestRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    takeover = backtest_run_claim(run_id=run.pk, task_id="c")
    assert takeover is not None and takeover.attempt == 2
    with pytest.raises(RunLost):
        backtest_run_heartbeat(claim=claim)  # the old attempt is a zombie now


@override_settings(BACKTEST_MAX_ATTEMPTS=2, BACKTEST_STALE_SECONDS=60)
def test_reaper_requeues_then_fails_with_worker_lost(django_capture_on_commit_callbacks) -> None:
    run = backtest_run_create(config=synthetic_config(), owner=UserFactory()).run
    old = timezone.now() - dt.timedelta(minutes=5)
    backtest_run_claim(run_id=run.pk, task_id="a")
    BacktestRun.objects.filter(pk=run.pk).update(heartbeat_at=old)
    with django_capture_on_commit_callbacks() as queued:
        report = backtest_runs_reap()
    assert report.requeued == [run.pk] and len(queued) == 1  # a new task message after commit
    run.refresh_from_db()
    assert run.status == "queued" and "worker lost" in run.progress_message
    backtest_run_claim(run_id=run.pk, task_id="b")
    BacktestRun.objects.filter(pk=run.pk).update(heartbeat_at=old)
    assert backtest_runs_reap().failed == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and run.error.startswith("worker lost: no heartbeat since")
    assert "after 2 attempt(s)" in run.error


def test_reaper_leaves_live_runs_alone() -> None:
    run = backtest_run_create(config=synthetic_config(), owner=UserFactory()).run
    backtest_run_claim(run_id=run.pk, task_id="a")
    assert backtest_runs_reap().requeued == []
    run.refresh_from_db()
    assert run.status == "running"


@override_settings(BACKTEST_MAX_RSS_MB=64)
def test_memory_guard_fails_the_run_with_the_reason() -> None:
    run = backtest_run_create(config=synthetic_config(), owner=UserFactory()).run
    outcome = backtest_run_execute(run_id=run.pk, task_id="t")
    run.refresh_from_db()
    assert outcome.status == "failed" and run.status == "failed"
    assert "memory guard" in run.error and "BACKTEST_MAX_RSS_MB=64" in run.error and run.result_path == ""


def test_missing_warehouse_names_the_sync_command() -> None:
    config = synthetic_config(source="warehouse", synthetic=None)
    with pytest.raises(DataUnavailable, match="warehouse_sync --source demo"):
        backtest_run_create(config=config, owner=UserFactory())


def test_a_zombie_attempt_cannot_publish_results() -> None:
    from backtests.services.results import ResultSummary, _publish, run_dir

    run = backtest_run_create(config=synthetic_config(), owner=UserFactory()).run
    zombie = backtest_run_claim(run_id=run.pk, task_id="a")
    BacktestRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    backtest_run_claim(run_id=run.pk, task_id="b")
    with pytest.raises(RunLost), artifact_stage(run_dir(run.pk), kind="backtest") as stage:
        stage.write_parquet("daily", pl.DataFrame({"net_return": [0.01]}))
        _publish(zombie, stage, ResultSummary(None, None, None, None, None, None, {}), dataset_versions={})
    assert not stage.folder.exists() and not run_dir(run.pk).exists()
    run.refresh_from_db()
    assert run.status == "running" and run.result_path == ""
