"""End to end on a simulated market: estimate the model on one window, test its forecasts on the next."""

from __future__ import annotations

import numpy as np
import polars as pl

from risk.analytics.bias import bias_confidence_band, bias_statistic
from risk.analytics.covariance import CovarianceConfig, estimate_factor_covariance
from risk.analytics.portfolio import FactorModel, build_factor_model
from risk.analytics.regression import factor_returns
from risk.analytics.specific import ewma_specific_vol
from tests.support.risk_panel import simulate_panel

STYLES = ["style0", "style1", "style2"]


def test_model_forecasts_are_unbiased_out_of_sample() -> None:
    sim = simulate_panel(n_stocks=800, n_days=500, n_industries=6, n_styles=3, seed=21)
    dates = sim.panel.get_column("date").unique().sort()
    split = dates[250]
    train = sim.panel.filter(pl.col("date") < split)
    test = sim.panel.filter(pl.col("date") >= split)

    fit = factor_returns(train, styles=STYLES)
    cov = estimate_factor_covariance(fit.factor_returns_wide(), CovarianceConfig(nw_lags=0))
    spec = ewma_specific_vol(fit.residuals)

    stocks = train.filter(pl.col("date") == dates[0])
    model, permnos = build_factor_model(stocks, cov.factors, cov.matrix, spec)
    assert permnos.to_list() == list(range(1, 801))
    assert cov.factors[7:] == STYLES
    x = model.exposures
    np.testing.assert_array_equal(x[:, 0], 1.0)
    np.testing.assert_array_equal(x[:, 1:7].sum(axis=1), 1.0)  # one industry each

    rng = np.random.default_rng(0)
    returns = test.pivot(on="permno", index="date", values="ret").sort("date").drop("date").to_numpy()
    lo, hi = bias_confidence_band(returns.shape[0])
    portfolios = {
        "long_only": rng.dirichlet(np.ones(800)),
        "style_tilt": x[:, 7] / np.abs(x[:, 7]).sum(),
        "concentrated": np.r_[np.full(10, 0.1), np.zeros(790)],
    }
    for name, w in portfolios.items():
        forecast = np.full(returns.shape[0], np.sqrt(model.variance(w)))
        b = bias_statistic(returns @ w, forecast)
        assert lo - 0.05 < b < hi + 0.05, (name, b)
        assert 0.8 < b < 1.2, (name, b)
    # The same check rejects a model that ignores factor risk.
    no_factor = FactorModel(x, np.zeros_like(cov.matrix), model.specific_var)
    w = portfolios["long_only"]
    assert bias_statistic(returns @ w, np.full(returns.shape[0], np.sqrt(no_factor.variance(w)))) > 2.0
