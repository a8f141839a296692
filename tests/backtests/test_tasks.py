"""The run_backtest task retries transient database errors instead of leaving its run queued."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from backtests import tasks
from quant.jobs.runner import RunOutcome


def test_a_transient_database_error_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def flaky(*, run_id: int, task_id: str) -> RunOutcome:
        calls.append(run_id)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return RunOutcome(70 + run_id, "succeeded", "")

    monkeypatch.setattr(tasks, "backtest_run_execute", flaky)
    monkeypatch.setattr(tasks.run_backtest, "retry_backoff", False)  # no sleeping in the test
    result = tasks.run_backtest.apply(args=[7])
    assert result.successful(), result.traceback
    assert result.get() == {"run_id": 7, "status": "succeeded", "detail": ""}
    assert calls == [7, 7]


def test_it_gives_up_after_the_retry_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    def always_locked(*, run_id: int, task_id: str) -> RunOutcome:
        raise OperationalError("database is locked")

    monkeypatch.setattr(tasks, "backtest_run_execute", always_locked)
    monkeypatch.setattr(tasks.run_backtest, "retry_backoff", False)
    result = tasks.run_backtest.apply(args=[7])
    assert result.failed()
    assert isinstance(result.result, OperationalError)
