"""Security master of the demo: who exists, what they are (share code, exchange, industry) and
their fixed risk characteristics (beta, specific volatility, liquidity, dividends)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .config import SECTOR_SIC, SECTOR_WEIGHTS, SECTORS, TD, Calibration

PRIMARY, SECONDARY, ADR, ETF = 0, 1, 2, 3
ETF_SECTOR = SECTORS.index("40")
ETF_SIC = 6726


@dataclass
class Stocks:
    """Column arrays, one entry per simulated security (index = creation order = permno order)."""

    permno: np.ndarray
    kind: np.ndarray
    shrcd: np.ndarray
    exchcd: np.ndarray
    sector: np.ndarray
    siccd: np.ndarray
    parent: np.ndarray  # index of the primary security of the same firm (itself for primaries)
    log_cap0: np.ndarray  # log market cap at creation (sets liquidity, volatility, fundamentals)
    beta: np.ndarray
    sig_d: np.ndarray  # daily specific volatility
    notrade_p: np.ndarray
    turnover: np.ndarray
    div_q: np.ndarray  # quarterly dividend yield (0 for non-payers)
    div_phase: np.ndarray
    ex_day: np.ndarray
    list_day: np.ndarray  # session index of the first trade (-1: listed before the simulation)
    end_day: np.ndarray  # last session index (n_days - 1 if never delisted)
    dlstcd: np.ndarray
    dlret: np.ndarray
    price: np.ndarray
    shrout: np.ndarray  # thousands
    cum_lk: np.ndarray  # cumulative log split ratio so far

    @property
    def n(self) -> int:
        return len(self.permno)

    @property
    def in_universe(self) -> np.ndarray:
        """Common shares on NYSE/AMEX/NASDAQ: the estimation universe of the planted model."""
        return np.isin(self.shrcd, (10, 11)) & np.isin(self.exchcd, (1, 2, 3))

    def extend(self, other: Stocks) -> None:
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))


def z_cap(log_cap: np.ndarray, cal: Calibration) -> np.ndarray:
    return (log_cap - cal.log_cap_mean) / cal.log_cap_sd


def _choice(rng: np.random.Generator, values: tuple[int, ...], p: tuple[float, ...], n: int) -> np.ndarray:
    return rng.choice(np.asarray(values, dtype=np.int64), size=n, p=np.asarray(p) / np.sum(p))


def create_stocks(
    rng: np.random.Generator,
    n: int,
    *,
    cal: Calibration,
    first_permno: int,
    list_day: np.ndarray,
    n_days: int,
    initial: bool,
) -> Stocks:
    """``n`` new securities. Initial ones include a few mega caps and secondary share classes."""
    mega = np.empty(0, dtype=np.int64)
    if initial:
        log_cap = rng.normal(cal.log_cap_mean, cal.log_cap_sd, n)
        n_mega = max(3, n // 150)
        mega = rng.choice(n, n_mega, replace=False)
        log_cap[mega] = rng.uniform(np.log(cal.mega_cap_range[0]), np.log(cal.mega_cap_range[1]), n_mega)
        kind = _choice(rng, (PRIMARY, SECONDARY, ADR, ETF), (0.905, 0.015, 0.045, 0.035), n)
        kind[mega] = PRIMARY
    else:
        log_cap = rng.normal(np.log(4e8), 1.0, n)
        kind = _choice(rng, (PRIMARY, ADR, ETF), (0.92, 0.045, 0.035), n)
    log_cap = np.clip(log_cap, np.log(2.5e7), np.log(cal.mega_cap_range[1]))
    z = z_cap(log_cap, cal)
    shrcd = np.where(rng.random(n) < 0.75, 11, 10)
    shrcd = np.where(kind == ADR, 31, np.where(kind == ETF, np.where(rng.random(n) < 0.7, 73, 74), shrcd))
    shrcd = np.where(kind == SECONDARY, 11, shrcd)
    exch_common = _choice(rng, (1, 2, 3, 4, 0), (0.28, 0.06, 0.60, 0.03, 0.03), n)
    exch_other = _choice(rng, (1, 3, 4), (0.4, 0.3, 0.3), n)
    exchcd = np.where(np.isin(kind, (PRIMARY, SECONDARY)), exch_common, exch_other)
    sector = rng.choice(len(SECTORS), size=n, p=np.asarray(SECTOR_WEIGHTS) / np.sum(SECTOR_WEIGHTS))
    sector = np.where(kind == ETF, ETF_SECTOR, sector)
    siccd = np.array(
        [SECTOR_SIC[s][k % len(SECTOR_SIC[s])] for s, k in zip(sector, rng.integers(0, 60, n), strict=True)]
    )
    siccd = np.where(kind == ETF, ETF_SIC, siccd).astype(np.int64)
    idx = np.arange(n)
    parent = idx.copy()
    secondary = np.flatnonzero(kind == SECONDARY)
    primaries = np.flatnonzero(kind == PRIMARY)
    if len(secondary):
        parent[secondary] = rng.choice(primaries, len(secondary), replace=False)
        sector[secondary] = sector[parent[secondary]]
        siccd[secondary] = siccd[parent[secondary]]
    beta = np.clip(1.0 + cal.beta_sd * rng.standard_normal(n), 0.3, 2.2)
    sig = cal.specific_vol_median * np.exp(-0.2 * z + 0.2 * rng.standard_normal(n))
    sig = np.clip(sig, 0.12, 1.0)
    beta = np.where(kind == ETF, 1.0 + 0.05 * rng.standard_normal(n), beta)
    beta[mega] = rng.uniform(0.8, 1.2, len(mega))  # the index heavyweights are the market
    sig = np.where(kind == ETF, 0.04, sig)
    notrade = np.where(log_cap < np.log(2e8), 0.03, np.where(log_cap < np.log(1e9), 0.006, 0.0))
    notrade = np.where(kind == ETF, 0.0, notrade)
    turnover = np.exp(np.log(0.006) + 0.1 * z + 0.4 * rng.standard_normal(n))
    payer = rng.random(n) < np.where(z > -0.5, 0.6, 0.2)
    div_q = np.where(payer & (kind != ETF), rng.uniform(0.01, 0.04, n) / 4.0, 0.0)
    price = np.clip(np.exp(rng.normal(np.log(30.0), 0.8, n)), 2.0, 900.0)
    price = np.where(initial, price, np.clip(np.exp(rng.normal(np.log(15.0), 0.4, n)), 5.0, 60.0))
    shrout = np.exp(log_cap) / price / 1000.0
    gaps = rng.integers(1, 40, n) if not initial else np.sort(rng.choice(70000, n, replace=False)) + 1
    permno = first_permno + (np.cumsum(gaps) if not initial else gaps)
    return Stocks(
        permno=permno.astype(np.int64),
        kind=kind.astype(np.int64),
        shrcd=shrcd.astype(np.int64),
        exchcd=exchcd.astype(np.int64),
        sector=sector.astype(np.int64),
        siccd=siccd,
        parent=parent.astype(np.int64),
        log_cap0=log_cap,
        beta=beta,
        sig_d=sig / np.sqrt(TD),
        notrade_p=notrade,
        turnover=turnover,
        div_q=div_q,
        div_phase=rng.integers(0, 3, n),
        ex_day=rng.integers(3, 16, n),
        list_day=np.asarray(list_day, dtype=np.int64),
        end_day=np.full(n, n_days - 1, dtype=np.int64),
        dlstcd=np.zeros(n, dtype=np.int64),
        dlret=np.full(n, np.nan),
        price=price,
        shrout=shrout,
        cum_lk=np.zeros(n),
    )
