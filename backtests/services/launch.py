"""One-click backtest of a research signal (the alpha explorer's "Backtest this signal" button).

The research signal page links here by URL name; the mapping from research names to the backtest
engine's built-in signals is read from research (a lower floor), never the reverse.
"""

from __future__ import annotations

from typing import Any

from backtests.configs import BacktestConfig, ConfigError
from backtests.data import DataUnavailable, data_range
from backtests.services.runs import CreateResult, backtest_run_create
from research.services.backtest import BACKTEST_SIGNALS


def engine_signal_for(signal: str) -> str | None:
    """The backtest engine's signal computing research ``signal``, or None when there is none yet."""
    return BACKTEST_SIGNALS.get(signal)


def signal_backtest_create(*, signal: str, owner: Any) -> CreateResult:
    """Queue a monthly long-short decile backtest of research ``signal`` over the warehouse span.

    An identical queued/finished run is reused. Raises ValueError with a reason when the signal has
    no backtest counterpart or data is missing.
    """
    engine_signal = engine_signal_for(signal)
    if engine_signal is None:
        raise ValueError(
            f"{signal!r} has no backtest-engine counterpart yet (available: {', '.join(BACKTEST_SIGNALS)})"
        )
    try:
        span = data_range("warehouse")
        config = BacktestConfig(signal=engine_signal, start=span.first, end=span.last, rebalance="monthly",
                                construction="long_short_decile")  # fmt: skip
        return backtest_run_create(config=config, owner=owner, label=f"alpha explorer: {signal} L/S decile")
    except (DataUnavailable, ConfigError) as exc:
        raise ValueError(str(exc)) from exc
