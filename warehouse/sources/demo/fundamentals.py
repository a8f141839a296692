"""Compustat-shaped fundamentals driven by the simulated market caps.

Every primary common stock is a firm with a fiscal year end (fyr in 3/6/9/12, so all fiscal
quarters end on calendar quarter ends). Book equity mean-reverts towards a firm-specific
book-to-market times the current market cap; earnings follow a persistent firm ROE. Annual rows
are the sum of their four quarters (flows) and the Q4 balance sheet (stocks). The Fama–French book
equity ``SE + TXDITC − PS`` computed from the rows (with WRDS.md fallbacks) equals the model's book.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from .config import MPY
from .timeline import month_last_day

RING = 3  # annual reports kept per firm for the "latest public report" look-ups
AVAIL_MONTHS = 6  # an annual report is public from the month-end six months after its FYE month


@dataclass
class Firms:
    """Fundamental state per security (only primaries ever report)."""

    fyr: np.ndarray
    lbm_mu: np.ndarray
    roe_mu: np.ndarray
    roe_sd: np.ndarray
    neg: np.ndarray
    eq_ratio: np.ndarray
    turn: np.ndarray
    pref_frac: np.ndarray
    txd_frac: np.ndarray
    be_core: np.ndarray
    roe_cur: np.ndarray
    fy_count: np.ndarray
    fy_ib: np.ndarray
    fy_ni: np.ndarray
    fy_sale: np.ndarray
    last_be: np.ndarray
    last_at: np.ndarray
    ann_month: np.ndarray  # (n, RING) FYE month number of the annual report, newest first
    ann_be: np.ndarray
    ann_ib: np.ndarray
    ann_be_lag: np.ndarray
    ann_at: np.ndarray
    ann_at_lag: np.ndarray

    def extend(self, other: Firms) -> None:
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))


def create_firms(rng: np.random.Generator, z: np.ndarray, sector_is_fin: np.ndarray) -> Firms:
    n = len(z)
    zc = np.clip(z, -2.0, 2.0)
    fyr = rng.choice(np.array([12, 3, 6, 9]), size=n, p=[0.7, 0.1, 0.1, 0.1])
    ring = np.full((n, RING), np.nan)
    return Firms(
        fyr=fyr.astype(np.int64),
        lbm_mu=np.log(0.5) - 0.2 * zc + 0.5 * rng.standard_normal(n),
        roe_mu=0.085 + 0.035 * zc + 0.04 * rng.standard_normal(n),
        roe_sd=np.clip(0.08 - 0.03 * zc, 0.03, 0.2),
        neg=rng.random(n) < np.where(z < -1.0, 0.07, 0.02),
        eq_ratio=np.where(sector_is_fin, rng.uniform(0.08, 0.15, n), rng.uniform(0.2, 0.6, n)),
        turn=rng.uniform(0.3, 1.5, n),
        pref_frac=np.where(rng.random(n) < 0.15, rng.uniform(0.02, 0.1, n), 0.0),
        txd_frac=np.where(rng.random(n) < 0.6, rng.uniform(0.01, 0.08, n), 0.0),
        be_core=np.full(n, np.nan),
        roe_cur=np.full(n, np.nan),
        fy_count=np.zeros(n, dtype=np.int64),
        fy_ib=np.zeros(n),
        fy_ni=np.zeros(n),
        fy_sale=np.zeros(n),
        last_be=np.full(n, np.nan),
        last_at=np.full(n, np.nan),
        ann_month=np.full((n, RING), -1, dtype=np.int64),
        ann_be=ring.copy(),
        ann_ib=ring.copy(),
        ann_be_lag=ring.copy(),
        ann_at=ring.copy(),
        ann_at_lag=ring.copy(),
    )


@dataclass
class Reports:
    """Row buffers of compustat_quarterly / compustat_annual (stock indices, not gvkeys yet)."""

    quarterly: list[dict[str, np.ndarray]] = field(default_factory=list)
    annual: list[dict[str, np.ndarray]] = field(default_factory=list)


def _rdq(datadate: np.ndarray, z: np.ndarray, lo: int, hi: int, rng: np.random.Generator) -> np.ndarray:
    """Report date ``lo``–``hi`` days after datadate, large firms earlier, never on a weekend."""
    pct = np.clip((z + 2.0) / 4.0, 0.0, 1.0)
    lag = np.rint(hi - 1 - (hi - lo - 2) * pct + rng.normal(0.0, 3.0, len(z)))
    days = datadate + np.clip(lag, lo + 1, hi - 1).astype(np.int64)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return days - (weekday == 5) + (weekday == 6)


def fiscal_quarter(month: int, fyr: np.ndarray) -> np.ndarray:
    cal_month = month % MPY + 1
    return ((cal_month - fyr - 1) % MPY) // 3 + 1


def fiscal_year(month: int, fyr: np.ndarray) -> np.ndarray:
    year, cal_month = divmod(month, MPY)
    fye_year = np.where(cal_month + 1 <= fyr, year, year + 1)
    return np.where(fyr >= 6, fye_year, fye_year - 1)


@dataclass(frozen=True)
class Quotes:
    """Market inputs of the firms ``idx`` that report, aligned with ``idx``."""

    me: np.ndarray  # market cap
    price: np.ndarray
    shrout: np.ndarray  # shares outstanding, thousands (CRSP)
    z: np.ndarray  # size score (`z_cap` of log market cap)


def report_quarter(
    f: Firms, idx: np.ndarray, month: int, quotes: Quotes, *, rng: np.random.Generator, out: Reports
) -> None:
    """Book the fiscal quarter ending in calendar ``month`` for firms ``idx`` (a quarter-end month)."""
    n = len(idx)
    me, price, shrout, z = quotes.me, quotes.price, quotes.shrout, quotes.z
    fq = fiscal_quarter(month, f.fyr[idx])
    new_year = fq == 1
    f.roe_cur[idx] = np.where(
        new_year | np.isnan(f.roe_cur[idx]),
        f.roe_mu[idx] + f.roe_sd[idx] * rng.standard_normal(n),
        f.roe_cur[idx],
    )
    for arr in (f.fy_count, f.fy_ib, f.fy_ni, f.fy_sale):
        arr[idx] = np.where(new_year, 0, arr[idx])
    be0 = np.where(np.isnan(f.be_core[idx]), me * np.exp(f.lbm_mu[idx] + 0.2 * rng.standard_normal(n)), f.be_core[idx])
    base = np.where(np.isnan(f.last_be[idx]) | (f.last_be[idx] <= 0), be0, f.last_be[idx])
    roe_q = np.where(f.neg[idx], -0.0125 + 0.01 * rng.standard_normal(n), f.roe_cur[idx] / 4.0)
    ibq = (roe_q + 0.006 * rng.standard_normal(n)) * base
    special = np.where(rng.random(n) < 0.05, 0.01 * rng.standard_normal(n) * base, 0.0)
    niq = ibq + special
    growth = np.log1p(np.clip(0.6 * ibq / be0, -0.5, 0.5))
    pull = 0.15 * (np.log(me) + f.lbm_mu[idx] - np.log(be0))
    be_core = be0 * np.exp(growth + pull + 0.03 * rng.standard_normal(n))
    f.be_core[idx] = be_core
    be = np.where(f.neg[idx], -0.3 * be_core, be_core)
    ps = f.pref_frac[idx] * be_core
    txd = f.txd_frac[idx] * be_core
    se = be - txd + ps
    at = be_core / f.eq_ratio[idx]
    saleq = at * f.turn[idx] / 4.0 * np.exp(0.05 * rng.standard_normal(n))
    f.fy_count[idx] += 1
    f.fy_ib[idx] += ibq
    f.fy_ni[idx] += niq
    f.fy_sale[idx] += saleq
    datadate = np.full(n, month_last_day(month), dtype=np.int64)
    q4 = fq == 4
    rdq = np.where(q4, _rdq(datadate, z, 60, 90, rng), _rdq(datadate, z, 25, 45, rng))
    fyear = fiscal_year(month, f.fyr[idx])
    out.quarterly.append(
        {
            "idx": idx,
            "datadate": datadate,
            "fyearq": fyear,
            "fqtr": fq,
            "rdq": rdq,
            "atq": at,
            "ltq": at - se,
            "ceqq": se - ps,
            "seqq": se,
            "niq": niq,
            "ibq": ibq,
            "saleq": saleq,
            "revtq": saleq,
            "cshoq": shrout / 1000.0,
            "prccq": price,
        }
    )
    full = q4 & (f.fy_count[idx] == 4)
    if full.any():
        _book_annual(
            f,
            idx[full],
            month,
            be[full],
            se[full],
            ps[full],
            txd[full],
            at[full],
            datadate[full],
            rdq[full],
            fyear[full],
            shrout[full],
            price[full],
            rng,
            out,
        )


def _book_annual(
    f: Firms,
    idx: np.ndarray,
    month: int,
    be: np.ndarray,
    se: np.ndarray,
    ps: np.ndarray,
    txd: np.ndarray,
    at: np.ndarray,
    datadate: np.ndarray,
    rdq: np.ndarray,
    fyear: np.ndarray,
    shrout: np.ndarray,
    price: np.ndarray,
    rng: np.random.Generator,
    out: Reports,
) -> None:
    n = len(idx)
    ib, ni, sale = f.fy_ib[idx], f.fy_ni[idx], f.fy_sale[idx]
    mode = rng.random(n)
    seq = np.where(mode < 0.9, se, np.nan)
    ceq = np.where(mode < 0.97, se - ps, np.nan)
    pstkrv = np.where(rng.random(n) < 0.8, ps, np.nan)
    pstkl = np.where(np.isnan(pstkrv) & (rng.random(n) < 0.5), np.nan, ps)
    txditc = np.where((txd == 0) & (rng.random(n) < 0.5), np.nan, txd)
    out.annual.append(
        {
            "idx": idx,
            "datadate": datadate,
            "rdq": rdq,
            "fyear": fyear,
            "at": at,
            "lt": at - se,
            "ceq": ceq,
            "seq": seq,
            "txditc": txditc,
            "pstk": ps,
            "pstkrv": pstkrv,
            "pstkl": pstkl,
            "ni": ni,
            "ib": ib,
            "sale": sale,
            "revt": sale,
            "cogs": 0.62 * sale * np.exp(0.03 * rng.standard_normal(n)),
            "xsga": 0.2 * sale * np.exp(0.05 * rng.standard_normal(n)),
            "oancf": ib + 0.04 * at + 0.01 * at * rng.standard_normal(n),
            "csho": shrout / 1000.0,
            "prcc_f": price,
        }
    )
    for ring in (f.ann_month, f.ann_be, f.ann_ib, f.ann_be_lag, f.ann_at, f.ann_at_lag):
        ring[idx, 1:] = ring[idx, :-1]
    f.ann_month[idx, 0] = month
    f.ann_be[idx, 0] = be
    f.ann_ib[idx, 0] = ib
    f.ann_be_lag[idx, 0] = f.last_be[idx]
    f.ann_at[idx, 0] = at
    f.ann_at_lag[idx, 0] = f.last_at[idx]
    f.last_be[idx] = be
    f.last_at[idx] = at


@dataclass(frozen=True)
class PublicBook:
    be: np.ndarray
    ib: np.ndarray
    be_lag: np.ndarray
    at: np.ndarray
    at_lag: np.ndarray


def public_book(f: Firms, idx: np.ndarray, month: int) -> PublicBook:
    """Latest annual report public at the month-end of ``month`` (NaN where none)."""
    ok = (f.ann_month[idx] >= 0) & (f.ann_month[idx] + AVAIL_MONTHS <= month)
    slot = np.argmax(ok, axis=1)
    has = ok[np.arange(len(idx)), slot]

    def pick(ring: np.ndarray) -> np.ndarray:
        return np.where(has, ring[idx, slot], np.nan)

    return PublicBook(pick(f.ann_be), pick(f.ann_ib), pick(f.ann_be_lag), pick(f.ann_at), pick(f.ann_at_lag))


def prehistory(
    f: Firms, idx: np.ndarray, month: int, quotes: Quotes, *, rng: np.random.Generator, out: Reports
) -> None:
    """Twelve fiscal quarters before ``month`` so new firms have public annual reports at once."""
    last_qe = month - 1 - ((month - 1) % MPY + 1) % 3
    for k in range(12, 0, -1):
        qm = last_qe - 3 * (k - 1)
        drift = np.exp(-0.02 * k + 0.1 * rng.standard_normal(len(idx)))
        past = replace(quotes, me=quotes.me * drift, price=quotes.price * drift)
        report_quarter(f, idx, qm, past, rng=rng, out=out)
