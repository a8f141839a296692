"""One-click backtest of a research signal (the alpha explorer's "Backtest this signal" button).

The research signal page links here by URL name. The backtest computes the signal with its one
definition in ``research.analytics.signals``, so every registered signal can be backtested.
"""

from __future__ import annotations

from typing import Any

from backtests.configs import BacktestConfig, ConfigError
from backtests.data import DataUnavailable, data_range
from backtests.services.runs import CreateResult, backtest_run_create


def signal_backtest_create(*, signal: str, owner: Any) -> CreateResult:
    """Queue a monthly long-short decile backtest of research ``signal`` over the warehouse span.

    An identical queued/finished run is reused. Raises ValueError with a reason when data is missing.
    """
    try:
        span = data_range("warehouse")
        config = BacktestConfig(signal=signal, start=span.first, end=span.last, rebalance="monthly",
                                construction="long_short_decile")  # fmt: skip
        return backtest_run_create(config=config, owner=owner, label=f"alpha explorer: {signal} L/S decile")
    except (DataUnavailable, ConfigError) as exc:
        raise ValueError(str(exc)) from exc
