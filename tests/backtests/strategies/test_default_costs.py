"""A strategy without a run configuration trades on the paper broker at the trading
configuration's default costs, read when the broker is built (no restart)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from backtests.services.strategies import paper_broker_for_strategy
from quant.models import Strategy
from quant.trading.config import TradingSettings, config_save

pytestmark = pytest.mark.django_db


def test_default_costs_apply_to_a_strategy_without_a_run_config(django_user_model) -> None:  # noqa: ANN001
    strategy = Strategy.objects.create(name="bare", owner=django_user_model.objects.create(username="pm"))
    assert paper_broker_for_strategy(strategy).slippage_bps == D(5)  # the default: 0 bps commission + 5 bps
    config_save(values=TradingSettings(commission_bps=D("1.5"), slippage_bps=D(7)), user=None, reason="costs")
    assert paper_broker_for_strategy(strategy).slippage_bps == D("8.5")
