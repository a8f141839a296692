"""Backtest writes and orchestration (HackSoft-style ``<entity>_<action>`` services)."""

from backtests.services.execute import backtest_run_execute, build_backtest, simulate
from backtests.services.runs import CreateResult, backtest_run_cancel, backtest_run_create, code_version

__all__ = [
    "CreateResult",
    "backtest_run_cancel",
    "backtest_run_create",
    "backtest_run_execute",
    "build_backtest",
    "code_version",
    "simulate",
]
