"""Event studies: abnormal returns against statsmodels OLS, the tests against hand computations,
a planted event effect recovered, and no look-ahead from the event window into the estimation."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats

from research.analytics.events import (
    Windows,
    abnormal_returns,
    calendar_time_alpha,
    car_path,
    event_tests,
    per_event,
)

N_DAYS, N_STOCKS = 600, 40


def _world(seed: int = 11, *, effect: float = 0.0):
    rng = np.random.default_rng(seed)
    dates = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(N_DAYS)]  # any increasing calendar
    f = {k: rng.normal(0, s, N_DAYS) for k, s in (("mktrf", 0.011), ("smb", 0.005), ("hml", 0.006),
                                                   ("rmw", 0.004), ("cma", 0.004))}  # fmt: skip
    f["rf"] = np.full(N_DAYS, 0.0001)
    factors = pl.DataFrame({"date": dates, **f})
    beta = rng.uniform(0.5, 1.5, N_STOCKS)
    rets = (
        f["rf"][:, None]
        + f["mktrf"][:, None] * beta
        + 0.3 * f["smb"][:, None]
        + rng.standard_t(5, (N_DAYS, N_STOCKS)) * 0.012
    )
    event_day = rng.integers(300, 560, N_STOCKS)
    rets[event_day, np.arange(N_STOCKS)] += effect
    returns = pl.DataFrame({
        "permno": np.tile(np.arange(10001, 10001 + N_STOCKS), N_DAYS),
        "date": np.repeat(np.array(dates, dtype="datetime64[D]"), N_STOCKS),
        "ret": rets.reshape(-1),
    }).with_columns(pl.col("date").cast(pl.Date))  # fmt: skip
    events = pl.DataFrame({"permno": np.arange(10001, 10001 + N_STOCKS), "event_date": [dates[d] for d in event_day]})
    return factors, returns, events


W = Windows(-250, -30, -1, 1)


def test_market_model_abnormal_returns_match_statsmodels_ols():
    factors, returns, events = _world()
    ars = abnormal_returns(events, returns, factors, model="market", windows=W)
    assert ars.ar.shape == (N_STOCKS, 3) and ars.dropped == 0
    sessions = factors["date"].to_list()
    rm_all = (factors["mktrf"] + factors["rf"]).to_numpy()
    worst = 0.0
    for i, (permno, day) in enumerate(ars.events.select("permno", "event_date").iter_rows()):
        r = returns.filter(pl.col("permno") == permno).sort("date")["ret"].to_numpy()
        t0 = sessions.index(day)
        est = slice(t0 - 250, t0 - 29)
        fit = sm.OLS(r[est], sm.add_constant(rm_all[est])).fit()
        win = slice(t0 - 1, t0 + 2)
        expected = fit.predict(sm.add_constant(rm_all[win], has_constant="add"))
        worst = max(worst, float(np.abs((r[win] - expected) - ars.ar[i]).max()))
    assert worst < 1e-10


def test_ff5_abnormal_returns_match_statsmodels_ols():
    factors, returns, events = _world(3)
    ars = abnormal_returns(events, returns, factors, model="ff5", windows=W)
    cols = ["mktrf", "smb", "hml", "rmw", "cma"]
    x = factors.select(cols).to_numpy()
    rf = factors["rf"].to_numpy()
    sessions = factors["date"].to_list()
    permno, day = ars.events.row(5)[1:3]
    r = returns.filter(pl.col("permno") == permno).sort("date")["ret"].to_numpy() - rf
    t0 = sessions.index(day)
    fit = sm.OLS(r[t0 - 250 : t0 - 29], sm.add_constant(x[t0 - 250 : t0 - 29])).fit()
    expected = fit.predict(sm.add_constant(x[t0 - 1 : t0 + 2], has_constant="add"))
    np.testing.assert_allclose(ars.ar[5], r[t0 - 1 : t0 + 2] - expected, rtol=0, atol=1e-10)
    assert ars.sigma[5] == pytest.approx(math.sqrt(fit.mse_resid), rel=1e-10)


def test_patell_bmp_and_sign_tests_against_hand_computation():
    factors, returns, events = _world(5, effect=0.01)
    ars = abnormal_returns(events, returns, factors, model="market", windows=W)
    sessions = factors["date"].to_list()
    rm = (factors["mktrf"] + factors["rf"]).to_numpy()
    cars, csars, dofs = [], [], []
    for permno, day in ars.events.select("permno", "event_date").iter_rows():
        r = returns.filter(pl.col("permno") == permno).sort("date")["ret"].to_numpy()
        t0 = sessions.index(day)
        re, me = r[t0 - 250 : t0 - 29], rm[t0 - 250 : t0 - 29]
        T = len(re)
        b = ((me - me.mean()) * (re - re.mean())).sum() / ((me - me.mean()) ** 2).sum()
        a = re.mean() - b * me.mean()
        s2 = ((re - a - b * me) ** 2).sum() / (T - 2)
        sar = []
        for t in range(t0 - 1, t0 + 2):  # Patell's forecast-error correction, closed form for one regressor
            c = 1 + 1 / T + (rm[t] - me.mean()) ** 2 / ((me - me.mean()) ** 2).sum()
            sar.append((r[t] - a - b * rm[t]) / math.sqrt(s2 * c))
        cars.append(sum(r[t] - a - b * rm[t] for t in range(t0 - 1, t0 + 2)))
        csars.append(sum(sar) / math.sqrt(3))
        dofs.append(T - 2)
    cars, csars, dofs = np.array(cars), np.array(csars), np.array(dofs, dtype=float)
    n = len(cars)
    expected = {
        "cross-sectional t": cars.mean() / (cars.std(ddof=1) / math.sqrt(n)),
        "Patell Z": csars.sum() / math.sqrt((dofs / (dofs - 2)).sum()),
        "BMP t": csars.mean() / (csars.std(ddof=1) / math.sqrt(n)),
        "sign Z": ((cars > 0).sum() - n / 2) / math.sqrt(n / 4),
    }
    got = {t.name: t for t in event_tests(ars)}
    for name, value in expected.items():
        assert got[name].statistic == pytest.approx(value, rel=1e-9), name
    assert got["sign Z"].p_value == pytest.approx(stats.binomtest(int((cars > 0).sum()), n).pvalue)
    assert got["BMP t"].p_value == pytest.approx(2 * stats.t.sf(abs(expected["BMP t"]), n - 1))


def test_it_recovers_a_planted_announcement_return():
    # a +3 % return on day 0 of 40 events with ~1.2 % daily idiosyncratic noise: the CAR[-1,1]
    # standard error is about 1.2 % x sqrt(3 x 5/3) / sqrt(40) ~ 0.5 %, so +-1.5 % is 3 standard errors
    factors, returns, events = _world(7, effect=0.03)
    ars = abnormal_returns(events, returns, factors, model="market", windows=W)
    path = car_path(ars)
    assert path["caar"][-1] == pytest.approx(0.03, abs=0.015)
    assert path.filter(pl.col("offset") == 0)["aar"][0] == pytest.approx(0.03, abs=0.01)
    assert (path["lo"] < path["caar"]).all() and (path["hi"] > path["caar"]).all()
    tests = {t.name: t for t in event_tests(ars)}
    assert tests["BMP t"].p_value < 0.01
    bhar = per_event(ars)["bhar"].mean()
    assert bhar == pytest.approx(path["caar"][-1], abs=0.005)  # compounding differs only a little over 3 days


def test_changing_event_window_returns_leaves_the_estimation_unchanged():
    factors, returns, events = _world(9)
    base = abnormal_returns(events, returns, factors, model="market", windows=W)
    day = events["event_date"][0]
    shocked = returns.with_columns(
        pl.when((pl.col("permno") == events["permno"][0]) & (pl.col("date") >= day)).then(pl.col("ret") + 0.05)
        .otherwise(pl.col("ret")).alias("ret")
    )  # fmt: skip
    after = abnormal_returns(events, shocked, factors, model="market", windows=W)
    assert after.sigma[0] == base.sigma[0]
    np.testing.assert_allclose(after.ar[0, 1:], base.ar[0, 1:] + 0.05, atol=1e-12)


def test_market_adjusted_and_mean_models():
    factors, returns, events = _world(13)
    adj = abnormal_returns(events, returns, factors, model="market_adj", windows=W)
    sessions = factors["date"].to_list()
    permno, day = adj.events.row(0)[1:3]
    r = returns.filter(pl.col("permno") == permno).sort("date")["ret"].to_numpy()
    rm = (factors["mktrf"] + factors["rf"]).to_numpy()
    t0 = sessions.index(day)
    np.testing.assert_allclose(adj.ar[0], r[t0 - 1 : t0 + 2] - rm[t0 - 1 : t0 + 2], atol=1e-15)
    mean = abnormal_returns(events, returns, factors, model="mean", windows=W)
    np.testing.assert_allclose(mean.ar[0], r[t0 - 1 : t0 + 2] - r[t0 - 250 : t0 - 29].mean(), atol=1e-12)


def test_calendar_time_alpha_matches_statsmodels():
    factors, returns, events = _world(17, effect=0.02)
    ars = abnormal_returns(events, returns, factors, model="market", windows=W)
    ct = calendar_time_alpha(ars, factors)
    sessions = factors["date"].to_list()
    port: dict[int, list[float]] = {}
    for i, day in enumerate(ars.events["event_date"]):
        t0 = sessions.index(day)
        for j, off in enumerate(ars.offsets):
            port.setdefault(t0 + int(off), []).append(ars.ret[i, j])
    days = sorted(port)
    y = np.array([np.mean(port[d]) for d in days]) - factors["rf"].to_numpy()[days]
    fit = sm.OLS(y, sm.add_constant(factors["mktrf"].to_numpy()[days])).fit()
    assert ct.alpha == pytest.approx(fit.params[0], rel=1e-9)
    assert ct.t_stat == pytest.approx(fit.tvalues[0], rel=1e-9)


def test_windows_must_not_overlap():
    with pytest.raises(ValueError, match="before the event window"):
        Windows(-250, 0, -1, 1)
