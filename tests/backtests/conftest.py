from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from backtests.configs import BacktestConfig, SyntheticSpec

RISK_MODEL_DATES = (dt.date(2024, 6, 28), dt.date(2024, 9, 30))


def synthetic_config(**overrides: object) -> BacktestConfig:
    """A small synthetic backtest: 60 stocks, about 3 years, monthly momentum long-short."""
    spec = overrides.pop("synthetic", SyntheticSpec(stocks=60, days=800, seed=11))
    values = {
        "signal": "momentum", "start": dt.date(2006, 3, 1), "end": dt.date(2008, 2, 29),
        "rebalance": "monthly", "source": "synthetic", "synthetic": spec,
    }  # fmt: skip
    values.update(overrides)
    return BacktestConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def config_factory():
    return synthetic_config


@pytest.fixture(scope="module")
def risk_models(django_db_setup, django_db_blocker, tmp_path_factory):  # noqa: ANN001, ANN201
    """A demo warehouse (200 stocks, 3 years to 2024-12-31, seed 5) and two real ``risk_model_build``s
    as of ``RISK_MODEL_DATES``: ``(settings overrides for the data directories, [RiskModelRun, ...])``.

    About 6 s once per module; tests apply the overrides with ``settings`` or ``override_settings``.
    """
    from risk.models import RiskModelRun
    from risk.services import loaded
    from risk.services.model_build import risk_model_build
    from warehouse.models import DatasetReference
    from warehouse.services import warehouse_sync_demo

    data = tmp_path_factory.mktemp("bt-risk-models")
    dirs = {"DATA_DIR": data, "WAREHOUSE_DIR": data / "warehouse", "ANALYTICS_DIR": data / "analytics",
            "LOCKS_DIR": data / "locks"}  # fmt: skip
    with override_settings(**dirs), django_db_blocker.unblock():
        warehouse_sync_demo(stocks=200, years=3, seed=5, writer="test")
        runs = [risk_model_build(as_of=day, writer="test") for day in RISK_MODEL_DATES]
        yield dirs, runs
        RiskModelRun.objects.all().delete()
        DatasetReference.objects.filter(holder__regex=r"^(risk_models|exposures):").delete()
        loaded.load_model.cache_clear()
