"""PEAD: deciles within announcement quarters, and a planted drift by decile recovered."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from research.analytics.events import Windows, abnormal_returns
from research.analytics.pead import drift_by_decile, drift_paths, sue_deciles


def test_deciles_are_formed_within_each_quarter():
    sue = pl.DataFrame({
        "event_id": range(40), "permno": range(40),
        "event_date": [dt.date(2020, 2, 1)] * 20 + [dt.date(2020, 5, 1)] * 20,
        "sue": list(range(20)) + list(range(100, 120)),
    })  # fmt: skip
    out = sue_deciles(sue)
    assert out.filter(pl.col("event_date") == dt.date(2020, 2, 1))["decile"].to_list() == [
        d for d in range(1, 11) for _ in (0, 1)
    ]
    assert out.filter(pl.col("event_date") == dt.date(2020, 5, 1))["decile"].min() == 1


def test_it_recovers_a_planted_drift_by_decile():
    # 2,000 announcements; decile d drifts 1 % x (d - 5.5) in total over [+2, +60], spread evenly;
    # noise 1.5 %/day -> the s.e. of a decile's 59-day drift is 1.5 % x sqrt(59) / sqrt(200) ~ 0.8 %,
    # so the 10-1 spread (planted 9 %) is checked to +-2.5 % (about 2 s.e. of a difference)
    rng = np.random.default_rng(1)
    n_days, n = 400, 2000
    dates = [dt.date(2019, 1, 1) + dt.timedelta(days=i) for i in range(n_days)]
    factors = pl.DataFrame({"date": dates, "mktrf": rng.normal(0, 0.01, n_days), "rf": np.zeros(n_days)})
    event_day = rng.integers(130, 320, n)
    sue = rng.normal(0, 1, n)
    ranks = sue.argsort().argsort()
    decile = ranks * 10 // n + 1
    rets = rng.normal(0, 0.015, (n_days, n)) + factors["mktrf"].to_numpy()[:, None]
    planted = 0.01 * (decile - 5.5)  # 10-1 spread = 9 %, i.e. +-4.5 % at the extremes
    for i in range(n):
        rets[event_day[i] + 2 : event_day[i] + 61, i] += planted[i] / 59
    returns = pl.DataFrame({
        "permno": np.tile(np.arange(n), n_days), "date": np.repeat(np.array(dates, dtype="datetime64[D]"), n),
        "ret": rets.reshape(-1),
    }).with_columns(pl.col("date").cast(pl.Date))  # fmt: skip
    events = pl.DataFrame(
        {"event_id": np.arange(n), "permno": np.arange(n), "event_date": [dates[d] for d in event_day]}
    )
    ars = abnormal_returns(events, returns, factors, model="market_adj", windows=Windows(-120, -10, -1, 60),
                           min_estimation=40)  # fmt: skip
    dec = events.with_columns(sue=pl.Series(sue), event_date=pl.lit(dt.date(2019, 6, 1)))
    table = drift_by_decile(ars, sue_deciles(dec))
    spread = table["drift"][-1] - table["drift"][0]
    assert spread == pytest.approx(0.09, abs=0.025)
    assert np.corrcoef(table["decile"], table["drift"])[0, 1] > 0.9
    paths = drift_paths(ars, sue_deciles(dec))
    last = paths.filter((pl.col("decile") == 10) & (pl.col("offset") == 60))["caar"][0]
    assert last == pytest.approx(table["announcement"][-1] + table["drift"][-1], abs=1e-12)
