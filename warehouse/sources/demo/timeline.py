"""The session grid of a demo run: NYSE sessions from the burn-in start to ``cfg.end``, cut into
calendar-month blocks (the simulation steps month by month)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from quant.calendars import sessions

from .config import BURN_IN_MONTHS, DemoConfig


@dataclass(frozen=True)
class Timeline:
    days: np.ndarray  # int64 days since 1970-01-01 of every simulated session
    block_start: np.ndarray  # index of the first session of each calendar month block
    block_end: np.ndarray  # index one past the last session of each block
    block_month: np.ndarray  # month number (year * 12 + month - 1) of each block
    block_complete: np.ndarray  # the block's last session is the month's last NYSE session
    out_start: int  # index of the first output session

    @property
    def n_days(self) -> int:
        return len(self.days)

    @property
    def n_blocks(self) -> int:
        return len(self.block_start)


def month_last_day(month: np.ndarray | int) -> np.ndarray:
    """Last calendar day (days since epoch) of month numbers ``year * 12 + month - 1``."""
    m = np.asarray(month, dtype=np.int64) - 1970 * 12 + 1
    return m.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1


def month_of_days(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12


def build_timeline(cfg: DemoConfig) -> Timeline:
    start = cfg.start
    first_month = start.year * 12 + start.month - 1 - BURN_IN_MONTHS
    sim_start = dt.date(first_month // 12, first_month % 12 + 1, 1)
    days = sessions(sim_start, cfg.end).to_numpy().astype("datetime64[D]").astype(np.int64)
    if len(days) == 0:
        raise ValueError(f"No NYSE sessions between {sim_start} and {cfg.end}.")
    months = month_of_days(days)
    change = np.flatnonzero(np.diff(months)) + 1
    block_start = np.concatenate([[0], change])
    block_end = np.concatenate([change, [len(days)]])
    block_month = months[block_start]
    last_month = int(block_month[-1])
    y, m = divmod(last_month, 12)
    month_end_cal = dt.date(y + (m == 11), (m + 1) % 12 + 1, 1) - dt.timedelta(days=1)
    last_sessions = sessions(dt.date(y, m + 1, 1), month_end_cal).to_numpy().astype("datetime64[D]")
    complete = np.ones(len(block_start), dtype=bool)
    complete[-1] = bool(days[-1] == last_sessions[-1].astype(np.int64))
    out_start = int(np.searchsorted(days, np.datetime64(start, "D").astype(np.int64)))
    return Timeline(days, block_start, block_end, block_month, complete, out_start)
