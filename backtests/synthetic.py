"""A seeded synthetic equity panel for tests and benchmarks (no warehouse needed).

Daily returns follow a one-factor model with fat tails: ``r = beta * m + mu_i(t) + e``, with a
Student-t(5) market (about 1 % a day), betas around 1, idiosyncratic volatility of 1.5-3 % a day
and a slowly mean-reverting per-stock drift ``mu_i`` (so momentum has something to find). Some
names list late or delist early; a delisting day carries a -30 % return. Market caps start
log-normal and compound with returns (a price starting at $20 times a constant share count). There
are no fundamentals: signals that read Compustat need the warehouse. Dates are NYSE sessions from
2005-01-03. The same :class:`~backtests.configs.SyntheticSpec` gives bit-identical
frames.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from backtests.configs import SyntheticSpec
from quant import calendars
from quant.periods import TRADING_DAYS_PER_YEAR
from quant.provenance import canonical_json, sha256_text

FIRST_DAY = dt.date(2005, 1, 3)
DELIST_RETURN = -0.30
START_PRICE = 20.0  # dollars: prices are START_PRICE times the compounded return


def synthetic_dates(days: int) -> pl.Series:
    """The first ``days`` NYSE sessions from :data:`FIRST_DAY`."""
    years = days // TRADING_DAYS_PER_YEAR + 2
    sessions = calendars.sessions(FIRST_DAY, dt.date(FIRST_DAY.year + years, 12, 31))
    if sessions.len() < days:
        raise ValueError(f"the calendar has only {sessions.len()} sessions after {FIRST_DAY}")
    return sessions.head(days).alias("date")


def synthetic_version(spec: SyntheticSpec) -> str:
    """The "dataset version" of a synthetic panel: a hash of its generator settings."""
    return sha256_text(canonical_json({"generator": "backtests.synthetic/1", **_spec_dict(spec)}))[:16]


def _spec_dict(spec: SyntheticSpec) -> dict[str, int]:
    return {"stocks": spec.stocks, "days": spec.days, "seed": spec.seed}


def _returns_matrix(spec: SyntheticSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n, d = spec.stocks, spec.days
    market = 0.01 * rng.standard_t(5, size=d) / np.sqrt(5 / 3) + 0.0003
    beta = rng.normal(1.0, 0.3, size=n)
    idio_vol = rng.uniform(0.015, 0.03, size=n)
    noise = rng.standard_t(5, size=(d, n)) / np.sqrt(5 / 3) * idio_vol
    drift = np.empty((d, n))
    mu = rng.normal(0.0, 0.0005, size=n)
    shocks = rng.normal(0.0, 0.00005, size=(d, n))
    for t in range(d):  # AR(1) drift, half-life of about a year
        mu = 0.997 * mu + shocks[t]
        drift[t] = mu
    ret = np.clip(market[:, None] * beta[None, :] + drift + noise, -0.9, 2.0)
    alive = np.ones((d, n), dtype=bool)
    starts = np.where(rng.random(n) < 0.15, rng.integers(0, d // 2, size=n), 0)
    ends = np.where(rng.random(n) < 0.15, rng.integers(d // 2, d, size=n), d - 1)
    rows = np.arange(d)[:, None]
    alive &= (rows >= starts[None, :]) & (rows <= ends[None, :])
    delisted = ends < d - 1
    ret[ends[delisted], np.flatnonzero(delisted)] = DELIST_RETURN
    return np.where(alive, ret, np.nan), alive


def synthetic_panels(spec: SyntheticSpec) -> dict[str, pl.DataFrame]:
    """``returns`` (date, permno, ret), ``mktcap`` (date, permno, mktcap $), ``adv`` (date, permno,
    adv $) and ``daily`` (permno, date, ret, prc, shrout: the CRSP-shaped panel the research signal
    definitions read; ``|prc| * shrout * 1000 = mktcap``), one row per live name-day."""
    if spec.stocks < 20 or spec.days < 60:
        raise ValueError("a synthetic panel needs at least 20 stocks and 60 days")
    rng = np.random.default_rng(spec.seed)
    ret, alive = _returns_matrix(spec, rng)
    cap0 = np.exp(rng.normal(np.log(2e9), 1.5, size=spec.stocks))
    mktcap = cap0[None, :] * np.cumprod(1.0 + np.nan_to_num(ret), axis=0)
    turnover = rng.uniform(0.002, 0.01, size=spec.stocks)
    dates = synthetic_dates(spec.days)
    t_idx, i_idx = np.nonzero(alive)  # row-major: already ordered by date, then permno
    frame = pl.DataFrame(
        {
            "date": dates.gather(t_idx),
            "permno": (10001 + i_idx).astype(np.int64),
            "ret": ret[t_idx, i_idx],
            "mktcap": mktcap[t_idx, i_idx],
            "prc": mktcap[t_idx, i_idx] / (cap0[i_idx] / START_PRICE),
            "shrout": cap0[i_idx] / START_PRICE / 1000.0,  # thousands, as CRSP
            "adv": mktcap[t_idx, i_idx] * turnover[i_idx],
        }
    )
    return {
        "returns": frame.select("date", "permno", "ret"),
        "mktcap": frame.select("date", "permno", "mktcap"),
        "daily": frame.select("permno", "date", "ret", "prc", "shrout"),
        "adv": frame.select("date", "permno", "adv"),
    }
