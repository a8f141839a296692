"""Style descriptors and their cross-sectional standardisation, computed from the simulated data
exactly as a factor library would compute them from the warehouse (docs/demo-data.md):

* size     log(abs(prc) * shrout * 1000) at the formation month-end;
* value    log(BE / ME), BE = Fama–French book equity of the latest public annual report;
* momentum prod(1 + ret) - 1 over sessions t-251 .. t-21 (252-session lookback, skip 21);
* quality  ib / BE of the previous annual report (ROE), latest public report;
* lowvol   minus the sample std (ddof=1) of the last 252 daily returns (>= 126 observed).

Missing returns count as zero in momentum and are skipped in lowvol; momentum needs 252 sessions
of history. BE <= 0 (value) and lagged BE <= 0 (quality) are missing. Missing descriptors get a
zero exposure.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from quant.periods import TRADING_DAYS_PER_YEAR

LOOKBACK = TRADING_DAYS_PER_YEAR
SKIP = 21
MIN_VOL_OBS = LOOKBACK // 2
WINSOR_SD = 3.0


@dataclass(frozen=True)
class Descriptors:
    size: np.ndarray
    value: np.ndarray
    momentum: np.ndarray
    quality: np.ndarray
    lowvol: np.ndarray
    investment: np.ndarray  # asset growth, only for the CMA portfolios (not a planted style)

    def styles(self) -> list[np.ndarray]:
        return [self.size, self.value, self.momentum, self.quality, self.lowvol]


def descriptors(
    *,
    cap: np.ndarray,
    be: np.ndarray,
    ib: np.ndarray,
    be_lag: np.ndarray,
    at: np.ndarray,
    at_lag: np.ndarray,
    hist: np.ndarray,
    age: np.ndarray,
) -> Descriptors:
    """Raw descriptors for one formation date; ``hist`` is (LOOKBACK, n) observed returns (NaN =
    missing or not trading), ``age`` the number of sessions each name has traded (incl. today)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.log(cap)
        value = np.where(be > 0, np.log(be / cap), np.nan)
        quality = np.where(be_lag > 0, ib / be_lag, np.nan)
        investment = np.where(at_lag > 0, at / at_lag - 1.0, np.nan)
    if hist.shape[0] >= LOOKBACK:
        window = np.nan_to_num(hist[-LOOKBACK:-SKIP], nan=0.0)
        mom = np.expm1(np.log1p(window).sum(axis=0))
        momentum = np.where(age >= LOOKBACK, mom, np.nan)
    else:
        momentum = np.full(cap.shape, np.nan)
    recent = hist[-LOOKBACK:]
    n_obs = np.isfinite(recent).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns of names not yet trading
        vol = np.nanstd(recent, axis=0, ddof=1)
    lowvol = np.where(n_obs >= MIN_VOL_OBS, -vol, np.nan)
    return Descriptors(size, value, momentum, quality, lowvol, investment)


def standardize(raw: np.ndarray, cap: np.ndarray, universe: np.ndarray) -> np.ndarray:
    """Winsorise at the universe mean ± 3 sd, then z-score with the universe's cap-weighted mean
    and equal-weighted std (ddof=0). Names outside the universe get the universe's scaling;
    missing descriptors get 0."""
    ok = universe & np.isfinite(raw)
    if ok.sum() < 10:
        return np.zeros_like(raw)
    mu, sd = raw[ok].mean(), raw[ok].std()
    x = np.clip(raw, mu - WINSOR_SD * sd, mu + WINSOR_SD * sd)
    xs = x[ok]
    mu_cw = np.sum(cap[ok] * xs) / np.sum(cap[ok])
    sd_ew = xs.std()
    z = (x - mu_cw) / sd_ew if sd_ew > 0 else np.zeros_like(x)
    return np.where(np.isfinite(z), z, 0.0)


def tercile_legs(raw: np.ndarray, universe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(top 30 %, bottom 30 %) membership by the universe's 30th/70th percentiles."""
    ok = universe & np.isfinite(raw)
    if ok.sum() < 10:
        empty = np.zeros(raw.shape, dtype=bool)
        return empty, empty
    lo, hi = np.percentile(raw[ok], [30, 70])
    return ok & (raw >= hi), ok & (raw <= lo)
