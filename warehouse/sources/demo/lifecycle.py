"""Corporate events of the simulation: delistings (with CRSP codes and delisting returns), stock
splits and share issuance. Decided at month ends, effective during the next month."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import MPY, Calibration

PERF_CODES = (500, 520, 551, 552, 560, 561, 574, 580, 584)
MERGER_CODES = (231, 233, 241, 251)
OTHER_CODES = (331, 332, 450, 470)
DLRET_MISSING_SHARE = 0.35  # of performance delistings


@dataclass(frozen=True)
class Delistings:
    idx: np.ndarray
    day: np.ndarray
    code: np.ndarray
    dlret: np.ndarray


def choose_delistings(
    rng: np.random.Generator,
    alive: np.ndarray,
    z: np.ndarray,
    next_block: tuple[int, int],
    cal: Calibration,
) -> Delistings:
    """Monthly hazards: performance (500s) concentrated in small caps, mergers (200s) flat,
    exchange moves and liquidations (300s/400s) rare. ``z`` is the standardised log cap."""
    monthly = cal.delist_rate / MPY
    tilt = np.exp(-0.9 * np.clip(z, -3, 3))
    h_perf = monthly * cal.perf_delist_share * tilt / tilt.mean()
    h_other = np.full(len(alive), monthly * cal.other_delist_share)
    h_merger = np.full(len(alive), monthly * (1.0 - cal.perf_delist_share - cal.other_delist_share))
    u = rng.random(len(alive))
    perf = u < h_perf
    merger = ~perf & (u < h_perf + h_merger)
    other = ~perf & ~merger & (u < h_perf + h_merger + h_other)
    chosen = perf | merger | other
    n = int(chosen.sum())
    code = np.where(
        perf,
        rng.choice(PERF_CODES, len(alive)),
        np.where(merger, rng.choice(MERGER_CODES, len(alive)), rng.choice(OTHER_CODES, len(alive))),
    )
    perf_ret = np.clip(-0.35 + 0.25 * rng.standard_normal(len(alive)), -0.95, 0.2)
    perf_ret = np.where(rng.random(len(alive)) < DLRET_MISSING_SHARE, np.nan, perf_ret)
    merger_ret = 0.015 + 0.04 * rng.standard_normal(len(alive))
    liquidation = code >= 400  # 400s liquidations lose on average; 300s exchange moves are flat
    other_ret = np.where(liquidation, -0.15, 0.0) + np.where(liquidation, 0.2, 0.02) * rng.standard_normal(len(alive))
    dlret = np.where(perf, perf_ret, np.where(merger, merger_ret, np.clip(other_ret, -0.9, 1.0)))[chosen]
    day = rng.integers(next_block[0], next_block[1], n)
    return Delistings(alive[chosen], day, code[chosen].astype(np.int64), dlret)


def split_ratios(rng: np.random.Generator, price: np.ndarray) -> np.ndarray:
    """Split factor per name this month (1 = none): 2:1 or 3:1 forward splits of high prices,
    1-for-10 reverse splits of penny stocks."""
    k = np.ones(len(price))
    high = (price > 250) & (rng.random(len(price)) < 0.35)
    k[high] = np.where(price[high] > 600, 3.0, 2.0)
    k[price < 1.0] = 0.1
    return k
