"""Configuration and calibration constants of the demo source.

The calibration (volatilities, rates, shares) is documented in ``docs/demo-data.md``; values are
annual unless a name says otherwise and are converted to daily with ``TRADING_DAYS_PER_YEAR``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Final

import numpy as np

from quant.calendars import CALENDAR_END
from quant.periods import MONTHS_PER_YEAR, TRADING_DAYS_PER_YEAR

GENERATOR_VERSION: Final = "demo-3"  # demo-2: real Ken French market history; demo-3: earnings and index events
STYLES: Final = ("size", "value", "momentum", "quality", "lowvol")
# GICS sector codes (gsector) and the factor names of the planted industry factors.
SECTORS: Final = ("10", "15", "20", "25", "30", "35", "40", "45", "50", "55", "60")
SECTOR_WEIGHTS: Final = (0.05, 0.05, 0.14, 0.12, 0.05, 0.14, 0.16, 0.13, 0.05, 0.04, 0.07)
# Plausible SIC codes per GICS sector (siccd / sich), chosen so Ken French's SIC mapping is realistic.
SECTOR_SIC: Final = (
    (1311, 1381, 2911, 1221),
    (2821, 2800, 1040, 3312, 2621),
    (3720, 3560, 4011, 3531, 8711, 3590),
    (3711, 5311, 5812, 7011, 2300, 3714),
    (2000, 2080, 5411, 2111, 2844),
    (2834, 3841, 8062, 2836, 3845),
    (6020, 6311, 6211, 6199),
    (3674, 7372, 3571, 3576, 7373, 3663),
    (4813, 4841, 7812, 2711),
    (4911, 4931, 4941),
    (6798, 6512, 6531),
)

TD: Final = TRADING_DAYS_PER_YEAR
MPY: Final = MONTHS_PER_YEAR
LAST_CALENDAR_DAY: Final = dt.date.fromisoformat(CALENDAR_END)
BURN_IN_MONTHS: Final = 13  # >= 252 sessions before the first output day so 12-1 momentum exists


@dataclass(frozen=True)
class Calibration:
    """Annualised calibration of the planted model (see docs/demo-data.md for the targets)."""

    market_vol: float = 0.175
    market_premium: float = 0.06
    garch_alpha: float = 0.08
    garch_beta: float = 0.90
    garch_max_vol_ratio: float = 3.0  # conditional vol capped at 3x its long-run level (no blow-ups)
    t_dof_factor: float = 5.0
    t_dof_specific: float = 4.0
    sector_vol_range: tuple[float, float] = (0.08, 0.15)
    style_vol: tuple[float, ...] = (0.035, 0.075, 0.085, 0.05, 0.045)
    style_premium: tuple[float, ...] = (-0.01, 0.02, 0.05, 0.03, 0.01)
    crash_days: int = 15
    crash_daily_mean: float = -0.009
    years_per_crash: float = 8.0
    # real -SMB, HML, Mom (vol 10/13/17 %/yr in 2013-24, 12/19/20 % in 2021-22) scaled towards the planted
    # style vols 3.5/7.5/8.5 %: 3.0/6.6/6.7 % over 2013-24, so crisis years stay near the 2-10 % target
    real_style_scale: tuple[float, float, float] = (-0.3, 0.5, 0.4)
    beta_sd: float = 0.45
    specific_vol_median: float = 0.25
    list_rate: float = 0.065
    delist_rate: float = 0.055
    perf_delist_share: float = 0.34
    other_delist_share: float = 0.08
    ticker_change_rate: float = 0.035
    ticker_reuse_prob: float = 0.3
    missing_ret_prob: float = 3e-4
    log_cap_mean: float = float(np.log(1.5e9))
    log_cap_sd: float = 1.6
    mega_cap_range: tuple[float, float] = (3e11, 1.5e12)
    # planted per SUE decile d (earnings.py): announcement return over sessions 0,+1 and drift over
    # [+2, +60], each scale * (d - 5.5): 10-1 spreads of 2.7 % and 2.25 % (Bernard & Thomas 1989 found
    # ~4 % for 1974-86; it has shrunk since; twice these moved the demo's planted-signal IC checks)
    earnings_announcement: float = 0.003
    earnings_drift: float = 0.0025
    # the planted "DEMO index" (index.py): the largest 20 % of the universe's primary common stocks;
    # an addition earns +2 % (a deletion -2 %) over the announcement day and the next
    index_share: float = 0.2
    index_announcement: float = 0.02


@dataclass(frozen=True)
class DemoConfig:
    """What to generate: ``stocks`` names alive at the simulation start, ``years`` of sessions
    ending at ``end`` (inclusive), all randomness drawn from ``seed``."""

    stocks: int = 500
    years: int = 10
    seed: int = 7
    end: dt.date = dt.date(2024, 12, 31)

    def __post_init__(self) -> None:
        if isinstance(self.stocks, bool) or not isinstance(self.stocks, int) or self.stocks < 50:
            raise ValueError(f"DemoConfig.stocks must be an integer >= 50, got {self.stocks!r}.")
        if isinstance(self.years, bool) or not isinstance(self.years, int) or self.years < 2:
            raise ValueError(f"DemoConfig.years must be an integer >= 2, got {self.years!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"DemoConfig.seed must be a non-negative integer, got {self.seed!r}.")
        if not isinstance(self.end, dt.date) or isinstance(self.end, dt.datetime):
            raise ValueError(f"DemoConfig.end must be a datetime.date, got {self.end!r}.")
        if self.end.year - self.years < 1960:
            raise ValueError("DemoConfig: the sample must start after 1960.")
        if self.end > LAST_CALENDAR_DAY:
            raise ValueError(f"DemoConfig.end must be on or before {LAST_CALENDAR_DAY} (the NYSE calendar).")

    @property
    def start(self) -> dt.date:
        """First calendar day of the output window (the day after ``end`` minus ``years``)."""
        year = self.end.year - self.years
        day = min(self.end.day, 28) if self.end.month == 2 else self.end.day
        return dt.date(year, self.end.month, day) + dt.timedelta(days=1)

    def hash(self, market_history: str | None = None) -> str:
        """sha256 of the config, generator version, calibration and the market history's digest
        (None: synthetic paths only)."""
        payload = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(self).items()}
        payload["generator"] = GENERATOR_VERSION
        payload["market_history"] = market_history
        payload["calibration"] = asdict(Calibration())
        text = json.dumps(payload, sort_keys=True, default=list)
        return hashlib.sha256(text.encode()).hexdigest()


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per sub-domain so draws in one never shift another."""
    key = int.from_bytes(hashlib.sha256(stream.encode()).digest()[:4], "little")
    return np.random.default_rng(np.random.SeedSequence([seed, key]))
