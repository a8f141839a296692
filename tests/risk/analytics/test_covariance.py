from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.sandwich_covariance import S_hac_simple

from risk.analytics.covariance import (
    CovarianceConfig,
    eigenfactor_adjust,
    estimate_factor_covariance,
    ewma_covariance,
    ewma_weights,
    predicted_volatility_path,
    volatility_regime_multiplier,
    weighted_hac_covariance,
)


def test_ewma_weights_halve_every_half_life() -> None:
    np.testing.assert_allclose(ewma_weights(3, 1.0), np.array([0.25, 0.5, 1.0]) / 1.75)
    np.testing.assert_allclose(ewma_weights(4, None), [0.25] * 4)
    with pytest.raises(ValueError):
        ewma_weights(3, 0.0)


def test_equal_weight_newey_west_matches_statsmodels() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 3)) @ np.array([[1, 0.3, 0], [0, 1, 0.2], [0, 0, 1.0]])
    x[1:] += 0.4 * x[:-1]  # autocorrelated so the lags matter
    ours = weighted_hac_covariance(x, ewma_weights(300, None), nw_lags=3)
    ref = S_hac_simple(x, nlags=3) / 300
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)


def test_ewma_covariance_matches_numpy_weighted_cov() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 4)) * [0.01, 0.02, 0.005, 0.01]
    w = ewma_weights(400, 50.0)
    ref = np.cov(x, rowvar=False, aweights=w, ddof=0)
    ours = ewma_covariance(x, vol_half_life=50.0, corr_half_life=50.0, demean=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_vol_and_correlation_use_their_own_half_lives() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((600, 2)) * 0.01
    cov = ewma_covariance(x, vol_half_life=20.0, corr_half_life=300.0)
    vol_ref = np.sqrt(np.diag(weighted_hac_covariance(x, ewma_weights(600, 20.0))))
    c = weighted_hac_covariance(x, ewma_weights(600, 300.0))
    corr_ref = c[0, 1] / np.sqrt(c[0, 0] * c[1, 1])
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), vol_ref, rtol=1e-12)
    assert cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]) == pytest.approx(corr_ref, rel=1e-12)


def test_eigenfactor_adjustment_reduces_min_variance_underforecast() -> None:
    rng = np.random.default_rng(3)
    k, n_obs = 15, 60
    a = rng.standard_normal((k, k))
    true = (a @ a.T / k + np.eye(k) * 0.2) * 1e-4
    chol = np.linalg.cholesky(true)
    raw_ratio, adj_ratio = [], []
    for trial in range(10):
        x = rng.standard_normal((n_obs, k)) @ chol.T
        sample = x.T @ x / n_obs
        adjusted = eigenfactor_adjust(sample, n_obs, n_sims=200, seed=trial)
        for est, out in ((sample, raw_ratio), (adjusted, adj_ratio)):
            w = np.linalg.solve(est, np.ones(k))
            w /= w.sum()
            out.append(np.sqrt((w @ true @ w) / (w @ est @ w)))
    # Sample min-variance portfolios under-forecast risk badly; the adjustment closes most of it.
    assert np.mean(raw_ratio) > 1.3
    assert abs(np.mean(adj_ratio) - 1.0) < abs(np.mean(raw_ratio) - 1.0) / 2


def test_eigenfactor_adjustment_is_seeded_and_keeps_eigenvectors() -> None:
    cov = np.array([[4.0, 1.0], [1.0, 2.0]]) * 1e-4
    a = eigenfactor_adjust(cov, 50, n_sims=100, seed=7)
    b = eigenfactor_adjust(cov, 50, n_sims=100, seed=7)
    np.testing.assert_array_equal(a, b)
    _, u0 = np.linalg.eigh(cov)
    _, u1 = np.linalg.eigh(a)
    np.testing.assert_allclose(np.abs(u0.T @ u1), np.eye(2), atol=1e-10)


def test_predicted_volatility_path_is_one_step_ahead() -> None:
    x = np.array([[0.01], [0.03], [-0.02]])
    path = predicted_volatility_path(x, half_life=1.0)
    assert np.isnan(path[0, 0])
    assert path[1, 0] == pytest.approx(0.01)
    assert path[2, 0] == pytest.approx(np.sqrt((0.5 * 0.01**2 + 0.03**2) / 1.5))
    changed = x.copy()
    changed[2] = 5.0
    np.testing.assert_array_equal(predicted_volatility_path(changed, 1.0), path)


def test_volatility_regime_multiplier_scales_with_realised_surprise() -> None:
    # Returns exactly twice the forecast vol in every factor: B_t² = 4 on every day.
    vol = np.full((50, 3), 0.01)
    assert volatility_regime_multiplier(0.02 * np.ones((50, 3)), vol, 10.0) == pytest.approx(4.0)
    z = np.array([[1.0], [3.0]])
    # weights halve per half-life 1: (0.5 * 1 + 1 * 9) / 1.5
    assert volatility_regime_multiplier(z, np.ones((2, 1)), 1.0) == pytest.approx(9.5 / 1.5)


def test_pipeline_on_a_wide_frame() -> None:
    rng = np.random.default_rng(4)
    dates = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(300)]
    x = rng.standard_normal((300, 2)) * [0.01, 0.02]
    wide = pl.DataFrame({"date": dates, "a": x[:, 0], "b": x[:, 1]})
    plain = estimate_factor_covariance(wide, CovarianceConfig(nw_lags=0))
    np.testing.assert_allclose(plain.matrix, ewma_covariance(x, nw_lags=0))
    assert plain.factors == ["a", "b"] and plain.as_of == dates[-1] and plain.vra_multiplier == 1.0
    full = estimate_factor_covariance(wide, CovarianceConfig(eigen_adjust=True, eigen_sims=50, vra=True))
    assert 0.5 < full.vra_multiplier < 2.0
    assert np.all(np.linalg.eigvalsh(full.matrix) > 0)
