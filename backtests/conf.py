"""Backtest knobs: a Django setting of the same name wins, else the environment, else the default.

Heartbeat, staleness, attempts, progress interval and cancel grace are the job system's ``JOBS_*``
knobs (``quant.jobs.conf``); these are the backtests' own: queue, memory guard, time limits.

Read at call time so a worker started with different environment variables (tests) applies them.
"""

from __future__ import annotations

from django.conf import settings

from config.env import env_int, env_str

PRIORITY_LEVELS = {"high": 0, "normal": 3, "low": 6}  # Redis transport: 0 is served first


def _int(name: str, default: int, minimum: int) -> int:
    value = getattr(settings, name, None)
    return int(value) if value is not None else env_int(name, default, minimum=minimum)


def queue() -> str:
    return getattr(settings, "BACKTESTS_QUEUE", None) or env_str("BACKTESTS_QUEUE", "backtests")


def max_rss_mb() -> int:
    """Memory guard: a run whose process RSS exceeds this fails with a clear reason."""
    return _int("BACKTEST_MAX_RSS_MB", 4096, 64)


def soft_time_limit() -> int:
    return _int("BACKTEST_SOFT_TIME_LIMIT", 3600, 10)


def time_limit() -> int:
    return _int("BACKTEST_TIME_LIMIT", 3660, 20)
