"""Backtest rows for tests: created through the services, executed in this process."""

from __future__ import annotations

from typing import Any

from backtests.models import BacktestRun
from backtests.services import backtest_run_create, backtest_run_execute
from tests.backtests.conftest import synthetic_config


def finished_run(owner: Any, **config_overrides: object) -> BacktestRun:
    """A succeeded run of a small synthetic config (executed synchronously, no queue)."""
    created = backtest_run_create(config=synthetic_config(**config_overrides), owner=owner)
    outcome = backtest_run_execute(run_id=created.run.pk, task_id=f"test-{created.run.pk}")
    assert outcome.status == "succeeded", outcome
    return BacktestRun.objects.select_related("job").get(pk=created.run.pk)


def queued_run(owner: Any, **config_overrides: object) -> BacktestRun:
    return backtest_run_create(config=synthetic_config(**config_overrides), owner=owner).run
