"""The quickstart's two demo paper strategies (``backtests.quickstart`` step 45).

Momentum and low volatility, long-only top 20 of the 200 largest names, monthly, 1 bp commission
+ 5 bps half spread (6 bps paper slippage), $1,000,000 each, replayed through the paper broker
over the demo warehouse's last 12 months — what ``paper_run`` does. Idempotent: an existing
strategy keeps its config and the days it already ran are skipped.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from backtests.configs import BacktestConfig
from backtests.data import data_range
from backtests.models import StrategyConfig
from backtests.services.strategies import strategy_replay
from quant.accounts.bootstrap import DEMO_ADMIN_USERNAME
from quant.models import Strategy

WINDOW = dt.timedelta(days=365)
DEMOS = {
    "Demo momentum (paper)": ("momentum", "12-1 momentum, top 20 of the 200 largest names, monthly"),
    "Demo low volatility (paper)": ("lowvol", "Low volatility, top 20 of the 200 largest names, monthly"),
}


def demo_strategy_config(signal: str, start: dt.date, end: dt.date) -> BacktestConfig:
    return BacktestConfig(
        signal=signal, start=start, end=end, rebalance="monthly", construction="long_only_top_n", top_n=20,
        universe="top_cap", universe_top_n=200, commission_bps=1.0, half_spread_bps=5.0,
    )  # fmt: skip


def demo_strategies_run() -> list[str]:
    """Create (once) and replay the demo strategies; one summary line each."""
    owner = get_user_model().objects.get(username=DEMO_ADMIN_USERNAME)
    end = data_range("warehouse").last
    start = end - WINDOW
    lines = []
    for name, (signal, description) in DEMOS.items():
        with transaction.atomic():
            strategy, _ = Strategy.objects.get_or_create(
                name=name, defaults={"owner": owner, "description": description, "status": Strategy.Status.ACTIVE}
            )
            config = demo_strategy_config(signal, start, end).as_json_dict()
            StrategyConfig.objects.get_or_create(
                strategy=strategy, defaults={"config": config, "capital": Decimal(1_000_000)}
            )
        result = strategy_replay(strategy=strategy, start=start, end=end)
        ran = result.traded
        equity = f"equity {ran[-1].equity:,.0f} dollars" if ran else "already up to date"
        lines.append(f"{name}: {len(ran)} sessions, {sum(d.orders for d in ran)} orders; {equity} "
                     f"(paper_run --strategy {name!r} --start {start} --end {end})")  # fmt: skip
    return lines
