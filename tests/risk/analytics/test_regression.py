from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from polars.testing import assert_frame_equal

from risk.analytics.regression import factor_returns, restriction_matrix
from tests.support.risk_panel import simulate_panel

D1 = dt.date(2024, 1, 2)


def _tiny() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [D1] * 4,
            "permno": [1, 2, 3, 4],
            "ret": [0.01, 0.03, -0.02, 0.00],
            "mktcap": [1e9] * 4,
            "industry": ["A", "A", "B", "B"],
        }
    )


def test_it_matches_a_hand_computed_two_industry_day() -> None:
    res = factor_returns(_tiny(), styles=[])
    # Equal caps: market = mean return 0.005; f_A = 0.02 - 0.005; f_B = -0.01 - 0.005.
    expected = pl.DataFrame({"date": [D1] * 3, "factor": ["market", "A", "B"], "ret": [0.005, 0.015, -0.015]})
    assert_frame_equal(res.factor_returns, expected, abs_tol=1e-14)
    assert_frame_equal(
        res.residuals,
        pl.DataFrame({"date": [D1] * 4, "permno": [1, 2, 3, 4], "resid": [-0.01, 0.01, -0.01, 0.01]}),
        abs_tol=1e-14,
    )
    # tss = 0.0013, rss = 0.0004
    assert res.r2.get_column("r2")[0] == pytest.approx(1 - 0.0004 / 0.0013, abs=1e-12)


def test_restriction_matrix_enforces_cap_weighted_sum_to_zero() -> None:
    caps = np.array([2.0, 3.0, 5.0])
    g = np.random.default_rng(3).standard_normal(2 + 3)
    f = restriction_matrix(caps, n_styles=2) @ g
    assert caps @ f[1:4] == pytest.approx(0.0, abs=1e-15)
    assert f[0] == g[0] and np.allclose(f[4:], g[3:])


def test_one_day_matches_statsmodels_constrained_wls() -> None:
    sp = simulate_panel(n_stocks=300, n_days=1, n_industries=6, n_styles=3, seed=11)
    day = sp.panel
    styles = ["style0", "style1", "style2"]
    res = factor_returns(day, styles=styles)
    labels = sorted(day.get_column("industry").unique().to_list())
    dummies = np.column_stack([(day.get_column("industry") == lab).to_numpy() for lab in labels])
    design = np.column_stack([np.ones(day.height), dummies.astype(float), day.select(styles).to_numpy()])
    cap = day.get_column("mktcap").to_numpy()
    ind_cap = dummies.T.astype(float) @ cap
    constraint = np.r_[0.0, ind_cap / ind_cap.sum(), np.zeros(3)][None, :]
    model = sm.GLM(day.get_column("ret").to_numpy(), design, family=sm.families.Gaussian(), var_weights=np.sqrt(cap))
    ref = model.fit_constrained((constraint, np.zeros(1)))
    got = res.factor_returns.get_column("ret").to_numpy()
    np.testing.assert_allclose(got, ref.params, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.residuals.get_column("resid").to_numpy(), ref.resid_response, atol=1e-10)
    # Weighted centred R² equals statsmodels WLS on the same (unconstrained-equivalent) fit.
    full_rank = np.delete(design, len(labels), axis=1)  # same column space without one dummy
    wls = sm.WLS(day.get_column("ret").to_numpy(), full_rank, weights=np.sqrt(cap)).fit()
    assert res.r2.get_column("r2")[0] == pytest.approx(wls.rsquared, abs=1e-10)


def test_it_recovers_planted_factor_returns() -> None:
    sp = simulate_panel(n_stocks=1_200, n_days=120, n_industries=8, n_styles=4, idio_vol=0.02, seed=5)
    styles = [f"style{k}" for k in range(4)]
    est = factor_returns(sp.panel, styles=styles).factor_returns_wide()
    for name in ["market", *styles]:
        corr = np.corrcoef(est.get_column(name).to_numpy(), sp.factor_returns.get_column(name).to_numpy())[0, 1]
        assert corr > 0.95, (name, corr)
    # A mis-specified estimate (shuffled days) would not pass: sanity that the check can fail.
    shuffled = np.roll(est.get_column("style0").to_numpy(), 1)
    assert np.corrcoef(shuffled, sp.factor_returns.get_column("style0").to_numpy())[0, 1] < 0.5


def test_it_drops_rows_with_missing_inputs_and_skips_empty_industries() -> None:
    frame = pl.concat(
        [
            _tiny(),
            pl.DataFrame(
                {
                    "date": [D1, D1],
                    "permno": [5, 6],
                    "ret": [None, 0.5],
                    "mktcap": [1e9, -1.0],
                    "industry": ["C", "C"],
                }
            ),
        ]
    )
    res = factor_returns(frame, styles=[])
    assert res.factor_returns.get_column("factor").to_list() == ["market", "A", "B"]
    assert res.residuals.get_column("permno").to_list() == [1, 2, 3, 4]
    assert res.r2.get_column("n_stocks").to_list() == [4]


def test_output_for_a_day_ignores_other_days() -> None:
    sp = simulate_panel(n_stocks=200, n_days=3, n_industries=4, n_styles=2, seed=2)
    styles = ["style0", "style1"]
    base = factor_returns(sp.panel, styles=styles).factor_returns
    last = sp.panel.get_column("date").max()
    changed = sp.panel.with_columns(
        pl.when(pl.col("date") == last).then(pl.col("ret") * 3 + 0.1).otherwise(pl.col("ret")).alias("ret")
    )
    again = factor_returns(changed, styles=styles).factor_returns
    assert_frame_equal(base.filter(pl.col("date") < last), again.filter(pl.col("date") < last))
    assert not base.filter(pl.col("date") == last).equals(again.filter(pl.col("date") == last))


def test_row_order_of_the_input_does_not_matter() -> None:
    sp = simulate_panel(n_stocks=150, n_days=4, n_industries=5, n_styles=2, seed=8)
    styles = ["style0", "style1"]
    base = factor_returns(sp.panel, styles=styles)
    shuffled = factor_returns(sp.panel.sample(fraction=1.0, shuffle=True, seed=1), styles=styles)
    assert_frame_equal(base.factor_returns, shuffled.factor_returns, abs_tol=1e-14)
    assert_frame_equal(base.residuals, shuffled.residuals, abs_tol=1e-14)
