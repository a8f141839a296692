"""Seeded synthetic factor-model panels for tests and benchmarks (never for product pages).

The data follow the model of :mod:`risk.analytics.regression` exactly: known market, industry
(cap-weighted sum to zero) and style factor returns, standardised style exposures, log-normal
capitalisations and heteroscedastic specific returns. All returns are daily decimals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from quant.columns import DATE, PERMNO, RET


@dataclass(frozen=True)
class SyntheticPanel:
    """A simulated panel and the factor returns that generated it.

    panel: long ``date, permno, ret, mktcap, industry, <styles>``.
    factor_returns: wide ``date, market, <industries>, <styles>`` true factor returns.
    specific_vol: (N,) true daily specific volatility per stock (permno order 1..N).
    """

    panel: pl.DataFrame
    factor_returns: pl.DataFrame
    specific_vol: np.ndarray


def simulate_panel(
    *,
    n_stocks: int = 1_000,
    n_days: int = 250,
    n_industries: int = 10,
    n_styles: int = 4,
    idio_vol: float = 0.02,
    style_vol: float = 0.004,
    seed: int = 0,
    start: dt.date = dt.date(2015, 1, 2),
) -> SyntheticPanel:
    """Simulate a panel where exposures are constant per stock through time.

    Factor return daily vols: market 1 %, industries 0.5 %, styles ``style_vol``. Specific vols
    are ``idio_vol`` times a log-normal multiplier (median 1, larger for small caps).
    Dates are consecutive weekdays from ``start`` (a synthetic calendar, not NYSE sessions).
    """
    rng = np.random.default_rng(seed)
    industries = [f"ind{j:02d}" for j in range(n_industries)]
    styles = [f"style{k}" for k in range(n_styles)]
    log_cap = rng.normal(21.0, 1.5, n_stocks)
    cap = np.exp(log_cap)
    ind_code = rng.integers(0, n_industries, n_stocks)
    ind_code[:n_industries] = np.arange(n_industries)  # every industry populated
    x_sty = rng.standard_normal((n_stocks, n_styles))
    size_z = (log_cap - log_cap.mean()) / log_cap.std()
    spec_vol = idio_vol * np.exp(0.25 * rng.standard_normal(n_stocks) - 0.2 * size_z)

    f_mkt = rng.normal(0.0003, 0.01, n_days)
    f_ind = rng.normal(0.0, 0.005, (n_days, n_industries))
    ind_w = np.bincount(ind_code, weights=cap, minlength=n_industries)
    ind_w = ind_w / ind_w.sum()
    f_ind -= (f_ind @ ind_w)[:, None]  # impose the cap-weighted sum-to-zero constraint
    f_sty = rng.normal(0.0, style_vol, (n_days, n_styles))

    spec = rng.standard_normal((n_days, n_stocks)) * spec_vol
    ret = f_mkt[:, None] + f_ind[:, ind_code] + f_sty @ x_sty.T + spec

    dates = pl.Series(DATE, _weekdays(start, n_days), dtype=pl.Date)
    panel = pl.DataFrame(
        {
            DATE: dates.gather(np.repeat(np.arange(n_days), n_stocks)),
            PERMNO: np.tile(np.arange(1, n_stocks + 1, dtype=np.int64), n_days),
            RET: ret.ravel(),
            "mktcap": np.tile(cap, n_days),
            "industry": np.tile(np.asarray(industries)[ind_code], n_days),
            **{s: np.tile(x_sty[:, k], n_days) for k, s in enumerate(styles)},
        }
    )
    truth = pl.DataFrame(
        {
            DATE: dates,
            "market": f_mkt,
            **{name: f_ind[:, j] for j, name in enumerate(industries)},
            **{s: f_sty[:, k] for k, s in enumerate(styles)},
        }
    )
    return SyntheticPanel(panel=panel, factor_returns=truth, specific_vol=spec_vol)


def _weekdays(start: dt.date, n: int) -> list[dt.date]:
    out: list[dt.date] = []
    day = start
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out
