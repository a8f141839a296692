"""Quickstart step 40 queues the example backtest in-process, waits for it, and is idempotent.

The demo warehouse is not on this branch: the warehouse loader is replaced by the seeded synthetic
panel (same frames the loader returns), everything else is the real path (service, on-commit
enqueue, in-process executor, task, result files).
"""

from __future__ import annotations

import io

import pytest
from django.test import override_settings

from backtests import data as data_module
from backtests import quickstart
from backtests.configs import SyntheticSpec
from backtests.models import BacktestRun
from backtests.synthetic import synthetic_panels
from quant.accounts.bootstrap import DEMO_ADMIN_USERNAME
from quant.quickstart import Options, collect_steps
from research.services.data import signal_inputs
from tests.factories import UserFactory

SPEC = SyntheticSpec(stocks=60, days=700, seed=3)


@pytest.fixture
def demo_like_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_inputs(config):  # noqa: ANN001, ANN202
        p = synthetic_panels(SPEC)
        data = signal_inputs(daily=p["daily"], dates=p["returns"]["date"].head(0), datasets=(), versions={})
        return data_module.BacktestInputs(
            returns=p["returns"], mktcap=p["mktcap"], adv=p["adv"], signal_data=data, dataset_versions={"crsp_daily": 1}
        )

    monkeypatch.setattr(quickstart, "data_range", lambda source: data_module.data_range("synthetic", SPEC))
    monkeypatch.setattr(data_module, "current_dataset_versions", lambda config: {"crsp_daily": 1})
    monkeypatch.setattr(data_module, "_warehouse_inputs", fake_inputs)


@pytest.mark.django_db(transaction=True)
@override_settings(CELERY_BROKER_URL=None)
def test_step_runs_the_example_and_a_second_run_reuses_it(demo_like_warehouse: None) -> None:
    assert any(step.order == 40 and step.run is quickstart.queue_example_backtest for step in collect_steps())
    UserFactory(username=DEMO_ADMIN_USERNAME)
    out = io.StringIO()
    quickstart.queue_example_backtest(Options(stdout=out))
    run = BacktestRun.objects.get()
    assert run.job.status == "succeeded" and run.config["signal"] == "momentum"
    assert run.config["rebalance"] == "monthly" and run.config["source"] == "warehouse"
    assert f"backtest #{run.pk} succeeded" in out.getvalue()
    again = io.StringIO()
    quickstart.queue_example_backtest(Options(stdout=again))
    assert BacktestRun.objects.count() == 1 and "already exists" in again.getvalue()


@pytest.mark.django_db(transaction=True)
def test_with_redis_but_no_worker_the_step_runs_the_backtest_here(
    demo_like_warehouse: None, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 13 of issue 12: `./scripts/quickstart` with REDIS_URL and QUICKSTART_SERVE=0 starts
    no worker and waited up to 15 minutes for the example backtest."""
    import time

    from django.conf import settings

    assert settings.CELERY_BROKER_URL  # the real broker, and no worker consumes "backtests" on it
    monkeypatch.setattr(quickstart, "WAIT_SECONDS", 20)
    UserFactory(username=DEMO_ADMIN_USERNAME)
    out = io.StringIO()
    started = time.monotonic()
    quickstart.queue_example_backtest(Options(stdout=out))
    run = BacktestRun.objects.select_related("job").get()
    assert run.job.status == "succeeded" and run.sharpe is not None
    assert "no Celery worker consumes 'backtests'" in out.getvalue()
    assert time.monotonic() - started < 120
