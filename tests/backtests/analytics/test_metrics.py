"""Hand-computed cases, the missing-value policy, dates of drawdowns, turnover, and a qlib cross-check."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from backtests.analytics import metrics as m


def frame(returns: list[float | None], start: dt.date = dt.date(2024, 1, 1)) -> pl.DataFrame:
    dates = [start + dt.timedelta(days=i) for i in range(len(returns))]
    return pl.DataFrame({"date": dates, "return": returns}, schema={"date": pl.Date, "return": pl.Float64})


def test_hand_computed_three_period_series() -> None:
    r = [0.10, -0.20, 0.05]
    assert m.total_return(r) == pytest.approx(1.1 * 0.8 * 1.05 - 1, abs=1e-15)
    assert m.annual_return(r, periods_per_year=3) == pytest.approx(0.924 - 1, abs=1e-15)
    assert m.annual_return(r, periods_per_year=12) == pytest.approx(0.924**4 - 1, abs=1e-15)
    assert m.annual_return(r, periods_per_year=12, compounding="arithmetic") == pytest.approx(-0.2, abs=1e-15)
    assert m.max_drawdown(r) == pytest.approx(-0.2, abs=1e-15)
    assert m.max_drawdown(r, compounding="arithmetic") == pytest.approx(-0.2, abs=1e-15)
    mean, sd = (
        -0.05 / 3,
        np.sqrt(((0.1 + 0.05 / 3) ** 2 + (-0.2 + 0.05 / 3) ** 2 + (0.05 + 0.05 / 3) ** 2) / 2),
    )
    assert m.annual_volatility(r, periods_per_year=12) == pytest.approx(sd * np.sqrt(12), rel=1e-13)
    assert m.sharpe_ratio(r, periods_per_year=12) == pytest.approx(mean / sd * np.sqrt(12), rel=1e-13)
    assert m.downside_risk(r, periods_per_year=12) == pytest.approx(np.sqrt(0.04 / 3) * np.sqrt(12), rel=1e-13)
    assert m.sortino_ratio(r, periods_per_year=12) == pytest.approx(mean * 12 / (np.sqrt(0.04 / 3) * np.sqrt(12)))
    assert m.hit_rate(r) == pytest.approx(2 / 3)
    assert m.omega_ratio(r, periods_per_year=1) == pytest.approx(0.15 / 0.2)


def test_missing_returns_are_dropped_and_counted() -> None:
    with_gaps = frame([0.01, None, 0.02, float("nan"), -0.03])
    summary = m.performance_summary(with_gaps, periods_per_year=252)
    plain = m.performance_summary(frame([0.01, 0.02, -0.03]), periods_per_year=252)
    assert (summary.n_obs, summary.n_missing) == (3, 2)
    assert summary.annual_return == pytest.approx((1.01 * 1.02 * 0.97) ** (252 / 3) - 1, rel=1e-12)
    for field in ("annual_return", "annual_volatility", "sharpe_ratio", "max_drawdown", "sortino_ratio"):
        assert getattr(summary, field) == pytest.approx(getattr(plain, field), rel=1e-14)


def test_benchmark_metrics_use_common_dates_only() -> None:
    ret = frame([0.01, None, 0.02, -0.01, 0.03])
    bench = frame([0.005, 0.01, None, -0.02, 0.01, 0.04])  # one extra date, one gap
    summary = m.performance_summary(ret, benchmark=bench, periods_per_year=252)
    assert summary.benchmark is not None and summary.benchmark.n_aligned == 3
    r, b = np.array([0.01, -0.01, 0.03]), np.array([0.005, -0.02, 0.01])
    beta = np.cov(r, b, ddof=1)[0, 1] / np.var(b, ddof=1)
    assert summary.benchmark.beta == pytest.approx(beta, rel=1e-12)
    alpha = (1 + np.mean(r - beta * b)) ** 252 - 1
    assert summary.benchmark.alpha == pytest.approx(alpha, rel=1e-12)
    active = r - b
    assert summary.benchmark.information_ratio == pytest.approx(
        active.mean() / active.std(ddof=1) * np.sqrt(252), rel=1e-12
    )


def test_beta_matches_statsmodels_ols_with_risk_free() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    b = rng.normal(0.0004, 0.01, 500)
    rf = np.full(500, 0.0001)
    r = 0.0002 + rf + 1.3 * (b - rf) + rng.normal(0, 0.005, 500)
    fit = sm.OLS(r - rf, sm.add_constant(b - rf)).fit()
    res = m.alpha_beta(r, b, risk_free=rf, periods_per_year=252)
    assert res.beta == pytest.approx(fit.params[1], rel=1e-10)
    assert res.alpha_per_period == pytest.approx(fit.params[0], rel=1e-8)
    assert res.alpha == pytest.approx((1 + fit.params[0]) ** 252 - 1, rel=1e-8)


def test_drawdown_dates_peak_trough_recovery() -> None:
    f = frame([0.10, -0.10, -0.10, 0.05, 0.30, -0.01])
    info = m.max_drawdown_info(f)
    assert info.max_drawdown == pytest.approx(0.81 - 1, abs=1e-15)
    assert info.peak_date == dt.date(2024, 1, 1)
    assert info.trough_date == dt.date(2024, 1, 3)
    assert info.recovery_date == dt.date(2024, 1, 5)  # 1.1*.81*1.05*1.3 = 1.216 > 1.1
    assert info.duration_periods == 4


def test_drawdown_from_starting_capital_has_no_peak_date_and_no_recovery() -> None:
    info = m.max_drawdown_info(frame([-0.05, 0.01, -0.02]))
    assert info.peak_date is None and info.recovery_date is None
    assert info.trough_date == dt.date(2024, 1, 3)
    assert info.max_drawdown == pytest.approx(0.95 * 1.01 * 0.98 - 1, abs=1e-15)


def test_var_and_cvar_are_historical_quantiles() -> None:
    r = np.arange(1, 101) / 1000.0 - 0.05  # -0.049 .. 0.050
    assert m.value_at_risk(r, confidence=0.95) == pytest.approx(np.percentile(r, 5), abs=1e-15)
    assert m.value_at_risk(r, confidence=0.95) == pytest.approx(-0.04405, abs=1e-12)
    assert m.conditional_value_at_risk(r, confidence=0.95) == pytest.approx(np.mean(r[:5]), abs=1e-15)


def test_turnover_from_weights_panel() -> None:
    w = pl.DataFrame(
        {
            "date": [dt.date(2024, 1, 31)] * 2 + [dt.date(2024, 2, 29)] * 2,
            "asset": ["A", "B", "B", "C"],
            "weight": [0.5, 0.5, 0.25, 0.75],
        }
    )
    got = m.turnover(w)
    expected = pl.DataFrame(
        {"date": [dt.date(2024, 1, 31), dt.date(2024, 2, 29)], "turnover": [0.5, 0.75]}
    )  # Feb: |A| .5 + |B| .25 + |C| .75, halved
    assert_frame_equal(got, expected)
    two_sided = m.turnover(w, one_sided=False)["turnover"].to_list()
    assert two_sided == [1.0, 1.5]


def test_aggregate_returns_iso_weeks_across_year_end() -> None:
    f = pl.DataFrame(
        {
            "date": [dt.date(2020, 12, 31), dt.date(2021, 1, 1), dt.date(2021, 1, 4)],
            "return": [0.01, 0.02, 0.03],
        }
    )
    got = m.aggregate_returns(f, "weekly")
    assert got["year"].to_list() == [2020, 2021]  # 2021-01-01 is in ISO week 53 of 2020
    assert got["return"].to_list() == pytest.approx([1.01 * 1.02 - 1, 0.03])


def test_summary_as_dict_is_json_ready() -> None:
    import json

    summary = m.performance_summary(frame([0.01, 0.02, 0.03]), periods_per_year=252)
    d = summary.as_dict()
    json.dumps(d)
    assert d["calmar_ratio"] is None  # never drew down: NaN -> null
    assert d["start"] == "2024-01-01" and d["n_obs"] == 3


def test_matches_qlib_risk_analysis_product_mode() -> None:
    pd = pytest.importorskip("pandas")
    evaluate = pytest.importorskip("qlib.contrib.evaluate")
    rng = np.random.default_rng(20240101)
    r = rng.normal(0.0005, 0.012, 750)
    r[0] = abs(r[0])  # qlib's drawdown omits the starting capital; equal when the first return is >= 0
    q = evaluate.risk_analysis(pd.Series(r), N=252, freq=None, mode="product")["risk"]
    assert m.annual_return(r, periods_per_year=252) == pytest.approx(q["annualized_return"], rel=1e-12)
    assert m.max_drawdown(r) == pytest.approx(q["max_drawdown"], rel=1e-12)
    # qlib's "mean" is the geometric mean per period, its "std" the ddof=1 std of log returns
    assert m.annual_return(r, periods_per_year=1) == pytest.approx(q["mean"], rel=1e-10)
    assert m.annual_volatility(np.log1p(r), periods_per_year=1) == pytest.approx(q["std"], rel=1e-12)
    qs = evaluate.risk_analysis(pd.Series(r), N=252, freq=None, mode="sum")["risk"]
    assert m.annual_return(r, periods_per_year=252, compounding="arithmetic") == pytest.approx(
        qs["annualized_return"], rel=1e-12
    )
    assert m.max_drawdown(r, compounding="arithmetic") == pytest.approx(qs["max_drawdown"], rel=1e-12)
    assert m.sharpe_ratio(r, periods_per_year=252) == pytest.approx(qs["information_ratio"], rel=1e-12)


def test_vectorised_sharpe_columns_equal_the_scalar_function() -> None:
    x = np.random.default_rng(12).normal(0.0005, 0.01, (300, 4))
    x[[3, 50, 51], 2] = np.nan
    got = m.sharpe_ratio_columns(x, risk_free=0.0001, periods_per_year=52)
    for j in range(4):
        scalar = m.sharpe_ratio(x[:, j], risk_free=0.0001, periods_per_year=52)
        assert got[j] == pytest.approx(scalar, rel=1e-12)
    flat = np.full((9, 2), 0.01)
    flat[:, 1] = 0.0
    assert np.isinf(m.sharpe_ratio_columns(flat)[0]) and np.isnan(m.sharpe_ratio_columns(flat)[1])
    assert np.isnan(m.sharpe_ratio(flat[:, 1]))
