from __future__ import annotations

import datetime as dt

import pytest

from backtests.configs import BacktestConfig, SyntheticSpec


def synthetic_config(**overrides: object) -> BacktestConfig:
    """A small synthetic backtest: 60 stocks, about 3 years, monthly momentum long-short."""
    spec = overrides.pop("synthetic", SyntheticSpec(stocks=60, days=800, seed=11))
    values = {
        "signal": "momentum_12_1", "start": dt.date(2006, 3, 1), "end": dt.date(2008, 2, 29),
        "rebalance": "monthly", "source": "synthetic", "synthetic": spec,
    }  # fmt: skip
    values.update(overrides)
    return BacktestConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def config_factory():
    return synthetic_config
