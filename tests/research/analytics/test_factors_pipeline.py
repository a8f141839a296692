"""Descriptors -> cross-sectional processing -> risk regression, on a small synthetic CRSP-like panel."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from research.analytics.crosssection import process_descriptors
from research.analytics.factors import compute_factors, lagged_cap, market_cap, market_return
from risk.analytics.regression import factor_returns

STYLES = ["size", "momentum", "low_volatility", "beta"]


def test_descriptors_feed_the_regression() -> None:
    rng = np.random.default_rng(3)
    n_stocks, n_days = 120, 320
    dates = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n_days)]
    beta_true = rng.uniform(0.5, 1.5, n_stocks)
    mkt = rng.normal(0.0003, 0.01, n_days)
    ret = mkt[:, None] * beta_true + rng.normal(0, 0.02, (n_days, n_stocks))
    price = 20 * np.exp(np.cumsum(ret, axis=0))
    panel = pl.DataFrame(
        {
            "permno": np.tile(np.arange(1, n_stocks + 1), n_days),
            "date": pl.Series(dates).gather(np.repeat(np.arange(n_days), n_stocks)),
            "ret": ret.ravel(),
            "prc": price.ravel() * np.where(rng.random(n_days * n_stocks) < 0.05, -1, 1),
            "shrout": np.tile(rng.uniform(1e3, 1e5, n_stocks), n_days),
            "sector": np.tile(np.array(["10", "20", "30", "40"])[np.arange(n_stocks) % 4], n_days),
        }
    ).with_columns(mktcap=market_cap())
    panel = panel.with_columns(lagged_cap()).with_columns(mkt_ret=market_return())
    raw = compute_factors(panel, STYLES).collect()
    # The beta descriptor recovers the planted betas (cross-sectional correlation on the last day).
    last = raw.filter(pl.col("date") == dates[-1]).sort("permno")
    assert np.corrcoef(last.get_column("beta").to_numpy(), beta_true)[0, 1] > 0.7

    usable = raw.filter(pl.col("date") >= dates[260])
    exposures, missing = process_descriptors(usable, STYLES)
    assert missing.get_column("n_missing").sum() == 0
    # Exposures of t-1 explain returns of t.
    lagged = exposures.sort("permno", "date").with_columns(pl.col(STYLES + ["mktcap"]).shift(1).over("permno"))
    fit = factor_returns(lagged.drop_nulls(STYLES), styles=STYLES, industry="sector")
    assert fit.r2.height == usable.get_column("date").n_unique() - 1
    assert fit.r2.get_column("r2").is_between(0, 1).all()
    factors = fit.factor_returns.get_column("factor").unique(maintain_order=True).to_list()
    assert factors == ["market", "10", "20", "30", "40", *STYLES]
    # The market factor tracks the planted market return.
    wide = fit.factor_returns_wide()
    planted = pl.DataFrame({"date": dates, "mkt": mkt}).join(wide, on="date")
    assert np.corrcoef(planted.get_column("mkt"), planted.get_column("market"))[0, 1] > 0.9
