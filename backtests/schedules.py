"""The backtests app's beat schedule (registered by ``BacktestsConfig.ready``; `quant.schedules`)."""

from __future__ import annotations

from quant.schedules import Crontab, Schedule

SCHEDULES = (
    # Weekdays after the overnight syncs (and the 06:30 risk model): trade the last warehouse session.
    Schedule("backtests: run strategies", "backtests.run_strategies", Crontab("0", "7", "1-5"), "backtests",
             "Every active paper strategy trades the latest warehouse session (one strategy_run job per "
             "strategy and date; idempotent)."),
)  # fmt: skip
