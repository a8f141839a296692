"""Result and buffer records of the month-by-month simulation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import DemoConfig
from .factors import FactorPaths
from .fundamentals import Firms, Reports
from .timeline import Timeline
from .universe import Stocks

DAILY_COLS = ("sidx", "day", "ret", "retx", "prc", "vol", "shrout", "cum_lk", "bidlo", "askhi")
MONTHLY_COLS = ("sidx", "day", "ret", "retx", "prc", "vol", "shrout", "cum_lk")


@dataclass
class SimResult:
    cfg: DemoConfig
    timeline: Timeline
    factors: FactorPaths
    stocks: Stocks
    firms: Firms
    reports: Reports
    daily: dict[str, np.ndarray]
    monthly: dict[str, np.ndarray]
    exposures: dict[str, np.ndarray]
    ff_days: np.ndarray  # output session indices of the rows below
    ff_market: np.ndarray  # cap-weighted universe return (total, incl. rf)
    ff_legs: np.ndarray  # (days, 2 * len(FACTOR_LEGS)) long and short leg returns
    ind_vw: np.ndarray  # (days, len(FF10))
    ind_ew: np.ndarray
    r2: np.ndarray  # planted cross-sectional R² per output session
    earnings: dict[str, np.ndarray] = field(default_factory=dict)  # planted events (earnings.py)
    index: dict[str, np.ndarray] = field(default_factory=dict)  # planted index changes (index.py)


@dataclass
class Buffers:
    daily: dict[str, list[np.ndarray]] = field(default_factory=lambda: {c: [] for c in DAILY_COLS})
    monthly: dict[str, list[np.ndarray]] = field(default_factory=lambda: {c: [] for c in MONTHLY_COLS})
    expo: dict[str, list[np.ndarray]] = field(default_factory=lambda: {c: [] for c in ("day", "sidx", "x")})
    ff: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {c: [] for c in ("day", "mkt", "legs", "vw", "ew", "r2")}
    )


@dataclass(frozen=True)
class Month:
    """One simulated month: arrays are (sessions, active securities)."""

    act: np.ndarray  # security indices of the columns
    t0: int
    t1: int
    ret: np.ndarray  # true total return (0 before listing)
    eps: np.ndarray  # specific return
    retx: np.ndarray
    price: np.ndarray
    shrout: np.ndarray  # (active,)
    cap_prev: np.ndarray  # previous session's market cap
    notrade: np.ndarray
    missing: np.ndarray  # ret reported as null
    out_rows: np.ndarray  # rows published in crsp_daily
    valid: np.ndarray  # out_rows of universe names that traded the day before


def concat(parts: list[np.ndarray], dtype: type | None = None) -> np.ndarray:
    out = np.concatenate(parts) if parts else np.empty(0)
    return out.astype(dtype) if dtype is not None else out
