"""Parity: a paper strategy replayed day by day through the paper broker earns the backtest's
daily returns (same config, same costs) to 1e-10 on the demo warehouse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import polars as pl
import pytest
from django.test import override_settings

from backtests.configs import BacktestConfig
from backtests.data import load_inputs
from backtests.models import StrategyConfig
from backtests.services.execute import simulate
from backtests.services.strategies import strategy_replay
from quant.models import Strategy
from quant.trading.models import Fill, Order, PnLSnapshot
from quant.trading.selectors import signed_fill_totals

START, END = dt.date(2024, 1, 2), dt.date(2024, 11, 15)  # END is mid-month: no rebalance on it in either

pytestmark = pytest.mark.django_db


def make_strategy(name: str, config: BacktestConfig, user) -> Strategy:  # noqa: ANN001
    strategy = Strategy.objects.create(name=name, owner=user, status=Strategy.Status.ACTIVE)
    body = config.as_json_dict()
    StrategyConfig.objects.create(strategy=strategy, config=body, capital=Decimal(1_000_000))
    return strategy


@pytest.mark.parametrize(
    ("signal", "construction", "universe"),
    [("momentum", "long_short_decile", "all"), ("lowvol", "long_only_top_n", "top_cap")],
)
def test_paper_replay_matches_the_backtest_daily_returns(
    demo_dirs, django_user_model, signal: str, construction: str, universe: str
) -> None:  # noqa: ANN001
    user = django_user_model.objects.create(username=f"pm-{signal}")
    config = BacktestConfig(
        signal=signal, start=START, end=END, rebalance="monthly", construction=construction, top_n=20,
        universe=universe, universe_top_n=60, commission_bps=1.0, half_spread_bps=5.0,
    )  # fmt: skip
    with override_settings(**demo_dirs):
        strategy = make_strategy(f"parity-{signal}", config, user)
        backtest = simulate(config, load_inputs(config))
        replay = strategy_replay(strategy=strategy, start=START, end=END)
    snaps = pl.DataFrame(
        list(PnLSnapshot.objects.filter(strategy=strategy).order_by("date").values("date", "daily_return")),
        schema={"date": pl.Date, "daily_return": pl.Float64}, orient="row",
    )  # fmt: skip
    both = backtest.daily.select("date", "net_return", "cost").join(snaps, on="date", how="full", coalesce=True)
    assert both.height == backtest.daily.height == len(replay.days)  # the same sessions
    assert both["cost"].sum() > 1e-3  # the costs are real: rebalances at 6 bps of traded value
    error = np.abs(both["net_return"].to_numpy() - both["daily_return"].to_numpy()).max()
    print(f"parity {signal}: max |paper - backtest| daily return = {error:.3e} over {both.height} sessions")
    assert error < 1e-10
    # the book is what the fills say, and no order was rejected
    totals = signed_fill_totals(strategy)
    for position in strategy.positions.all():
        assert position.quantity == totals.get(position.symbol, Decimal(0))
    assert not Order.objects.filter(strategy=strategy, status=Order.Status.REJECTED).exists()
    assert Fill.objects.filter(strategy=strategy).count() > 50


def test_replaying_a_window_again_sends_no_order_twice(demo_dirs, django_user_model) -> None:  # noqa: ANN001
    user = django_user_model.objects.create(username="pm-again")
    config = BacktestConfig(signal="momentum", start=START, end=dt.date(2024, 3, 15), rebalance="monthly")
    with override_settings(**demo_dirs):
        strategy = make_strategy("again", config, user)
        strategy_replay(strategy=strategy, start=START, end=dt.date(2024, 3, 15))
        orders, snaps = Order.objects.filter(strategy=strategy).count(), PnLSnapshot.objects.count()
        again = strategy_replay(strategy=strategy, start=START, end=dt.date(2024, 3, 15))
    assert orders > 0 and all(day.skipped for day in again.days)
    assert Order.objects.filter(strategy=strategy).count() == orders and PnLSnapshot.objects.count() == snaps
