from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from statsmodels.regression.linear_model import RegressionResultsWrapper

from research.analytics.attribution import (
    Aligned,
    align_excess_returns,
    factor_regression,
    newey_west_lags,
    rolling_exposures,
    up_down_attribution,
)
from tests.support.shared_data import require_shared_file
from warehouse.sources.french import read_french, to_ff_factors


def _block(name: str, index: int = 0) -> pl.DataFrame:
    return read_french(require_shared_file("french", name))[index].frame


def _direct_hac(y: np.ndarray, x: np.ndarray, lags: int) -> RegressionResultsWrapper:
    return sm.OLS(y, sm.add_constant(x)).fit(cov_type="HAC", cov_kwds={"maxlags": lags})


def test_lag_rule_is_newey_west_1994() -> None:
    assert newey_west_lags(100) == 4
    assert newey_west_lags(2769) == math.floor(4 * 27.69 ** (2 / 9)) == 8
    assert newey_west_lags(265) == 4  # 4 * 2.65 ** (2/9) = 4.97
    assert newey_west_lags(1000) == 6  # 4 * 10 ** (2/9) = 6.67


def test_daily_ff3_reproduces_statsmodels_hac_on_nodur_2010_2020() -> None:
    industries = _block("10_Industry_Portfolios_daily.CSV")
    factors = _block("F-F_Research_Data_Factors_daily.CSV")
    window = pl.col("date").is_between(dt.date(2010, 1, 1), dt.date(2020, 12, 31))
    returns = industries.filter(window).select("date", pl.col("NoDur").alias("return"))
    ff = to_ff_factors(
        read_french(require_shared_file("french", "F-F_Research_Data_Factors_daily.CSV")), frequency="daily"
    )
    aligned = align_excess_returns(returns, ff, model="ff3", frequency="daily")
    res = factor_regression(aligned, model="ff3", periods_per_year=252)

    # Independent path: join the raw parsed blocks by hand, subtract RF, fit statsmodels directly.
    raw = industries.filter(window).join(factors, on="date", how="inner")
    y = (raw["NoDur"] - raw["RF"]).to_numpy()
    x = raw.select("Mkt-RF", "SMB", "HML").to_numpy()
    lags = math.floor(4 * (len(y) / 100) ** (2 / 9))
    direct = _direct_hac(y, x, lags)
    assert res.n_obs == len(y) == 2769 and res.dropped == 0 and res.hac_lags == lags == 8
    got = [res.alpha, res.betas["mktrf"], res.betas["smb"], res.betas["hml"]]
    np.testing.assert_allclose(got, direct.params, rtol=0, atol=1e-8)
    t = [res.t_stats[k] for k in ("alpha", "mktrf", "smb", "hml")]
    np.testing.assert_allclose(t, direct.tvalues, rtol=0, atol=1e-8)
    assert res.r2 == pytest.approx(direct.rsquared, abs=1e-12)
    assert res.adj_r2 == pytest.approx(direct.rsquared_adj, abs=1e-12)
    assert res.alpha_annualised == pytest.approx(252 * direct.params[0], abs=1e-12)
    assert 0.70 < res.betas["mktrf"] < 0.78  # consumer non-durables: a defensive industry


def test_monthly_ff5_aligns_any_day_of_month_and_reproduces_statsmodels() -> None:
    industries = _block("49_Industry_Portfolios.CSV")
    five = _block("F-F_Research_Data_5_Factors_2x3.CSV")
    # User dates on the 15th of each month, 2000-01 .. 2021-12 (Softw, value-weighted)
    sample = industries.filter(pl.col("date").dt.year().is_between(2000, 2021))
    mid_month = (pl.col("month") + pl.duration(days=14)).alias("date")
    returns = sample.select(mid_month, pl.col("Softw").alias("return"))
    ff = to_ff_factors(
        read_french(require_shared_file("french", "F-F_Research_Data_5_Factors_2x3.CSV")), frequency="monthly"
    )
    aligned = align_excess_returns(returns, ff, model="ff5", frequency="monthly")
    res = factor_regression(aligned, model="ff5", periods_per_year=12)

    raw = sample.join(five, on="month", how="inner")
    y = (raw["Softw"] - raw["RF"]).to_numpy()
    x = raw.select("Mkt-RF", "SMB", "HML", "RMW", "CMA").to_numpy()
    direct = _direct_hac(y, x, newey_west_lags(len(y)))
    assert res.n_obs == len(y) == 264
    names = ("alpha", "mktrf", "smb", "hml", "rmw", "cma")
    np.testing.assert_allclose([res.alpha, *res.betas.values()], direct.params, rtol=0, atol=1e-8)
    np.testing.assert_allclose([res.t_stats[k] for k in names], direct.tvalues, rtol=0, atol=1e-8)
    assert res.r2 == pytest.approx(direct.rsquared, abs=1e-12)


def _synthetic(n: int = 400, seed: int = 2) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = [dt.date(2015, 1, 1) + dt.timedelta(days=i) for i in range(n)]
    f = rng.normal(0, 0.01, (n, 3))
    rf = np.full(n, 0.0001)
    ret = 0.0002 + rf + f @ np.array([1.2, 0.5, -0.3]) + rng.normal(0, 0.002, n)
    factors = pl.DataFrame({"date": dates, "mktrf": f[:, 0], "smb": f[:, 1], "hml": f[:, 2], "rf": rf})
    returns = pl.DataFrame({"date": dates, "return": ret})
    return returns, factors


def test_missing_returns_and_factors_are_dropped_and_counted() -> None:
    returns, factors = _synthetic()
    returns = returns.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("return")).alias("return")
    )
    factors = factors.filter(pl.col("date") != dt.date(2015, 1, 10))
    aligned = align_excess_returns(returns, factors, model="ff3", frequency="daily")
    assert aligned.dropped == 2 and aligned.frame.height == 398
    res = factor_regression(aligned, model="ff3", periods_per_year=252)
    assert res.betas["mktrf"] == pytest.approx(1.2, abs=0.03)
    assert res.alpha == pytest.approx(0.0002, abs=0.0002)


def test_a_model_needs_its_factors() -> None:
    returns, factors = _synthetic()
    with pytest.raises(ValueError, match="rmw"):
        align_excess_returns(returns, factors, model="ff5", frequency="daily")


def test_rolling_exposures_match_a_fit_on_each_window_and_ignore_the_future() -> None:
    returns, factors = _synthetic()
    aligned = align_excess_returns(returns, factors, model="ff3", frequency="daily")
    roll = rolling_exposures(aligned, model="ff3", window=60)
    assert roll.height == 400 - 59
    window = aligned.frame.slice(100, 60)
    direct = sm.OLS(window["excess"].to_numpy(), sm.add_constant(window.select("mktrf", "smb", "hml").to_numpy())).fit()
    row = roll.filter(pl.col("date") == window["date"][-1]).row(0)
    np.testing.assert_allclose(row[1:], direct.params, rtol=0, atol=1e-10)
    future = aligned.frame.with_columns(
        pl.when(pl.int_range(pl.len()) >= 200).then(pl.col("excess") * 5).otherwise(pl.col("excess"))
    )
    changed = rolling_exposures(Aligned(future, 0), model="ff3", window=60)
    assert changed.slice(0, 200 - 59).equals(roll.slice(0, 200 - 59))


def test_up_down_attribution_recovers_asymmetric_betas() -> None:
    returns, factors = _synthetic(800)
    mkt = factors["mktrf"].to_numpy()
    extra = np.where(mkt < 0, 0.6 * mkt, 0.0)  # down-market beta 1.8, up-market 1.2
    returns = returns.with_columns(pl.col("return") + pl.Series(extra))
    aligned = align_excess_returns(returns, factors, model="ff3", frequency="daily")
    res = up_down_attribution(aligned, model="ff3", periods_per_year=252)
    assert res.up.betas["mktrf"] == pytest.approx(1.2, abs=0.05)
    assert res.down.betas["mktrf"] == pytest.approx(1.8, abs=0.05)
    assert res.up.n_obs + res.down.n_obs == 800
