from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from risk.analytics.portfolio import (
    FactorModel,
    decompose_risk,
    historical_var,
    monte_carlo_var,
    parametric_var,
    risk_attribution,
    tracking_error,
)


def _model(n: int = 40, k: int = 5, seed: int = 0) -> FactorModel:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, k))
    return FactorModel(
        exposures=rng.standard_normal((n, k)),
        factor_cov=(a @ a.T / k + 0.1 * np.eye(k)) * 1e-4,
        specific_var=rng.uniform(1e-4, 9e-4, n),
    )


def _dense(m: FactorModel) -> np.ndarray:
    return m.exposures @ m.factor_cov @ m.exposures.T + np.diag(m.specific_var)


def test_risk_matches_dense_covariance_and_components_sum_to_total() -> None:
    m = _model()
    w = np.random.default_rng(1).dirichlet(np.ones(40))
    r = decompose_risk(m, w)
    sigma = _dense(m)
    assert r.total_var == pytest.approx(w @ sigma @ w, rel=1e-12)
    assert r.specific_var == pytest.approx(np.sum(m.specific_var * w**2), rel=1e-12)
    np.testing.assert_allclose(r.marginal, sigma @ w / np.sqrt(w @ sigma @ w), rtol=1e-10)
    assert r.component.sum() == pytest.approx(r.total_vol, rel=1e-12)
    assert r.factor_contribution.sum() + r.specific_contribution == pytest.approx(r.total_vol, rel=1e-12)
    assert r.factor_vol**2 + r.specific_vol**2 == pytest.approx(r.total_var, rel=1e-12)
    np.testing.assert_allclose(m.cov_times(w), sigma @ w, rtol=1e-12)


def test_marginal_contribution_is_the_gradient() -> None:
    m = _model(n=10, k=3, seed=2)
    w = np.full(10, 0.1)
    r = decompose_risk(m, w)
    eps = 1e-7
    bumped = w.copy()
    bumped[3] += eps
    fd = (np.sqrt(m.variance(bumped)) - r.total_vol) / eps
    assert r.marginal[3] == pytest.approx(fd, rel=1e-5)


def test_tracking_error_of_two_asset_hand_case() -> None:
    m = FactorModel(
        exposures=np.array([[1.0], [0.0]]), factor_cov=np.array([[4e-4]]), specific_var=np.array([1e-4, 1e-4])
    )
    te = tracking_error(m, np.array([0.6, 0.4]), np.array([0.5, 0.5]))
    # active = (0.1, -0.1): factor var 0.01 * 4e-4, specific 0.02 * 1e-4
    assert te.total_var == pytest.approx(0.01 * 4e-4 + 0.02 * 1e-4)
    assert te.exposures.tolist() == pytest.approx([0.1])


def test_parametric_var_hand_computed() -> None:
    m = FactorModel(exposures=np.zeros((1, 1)), factor_cov=np.zeros((1, 1)), specific_var=np.array([0.01**2]))
    v = parametric_var(m, np.array([1.0]), confidence=0.99, horizon=4.0)
    assert v.var == pytest.approx(2.3263478740 * 0.02, rel=1e-9)
    assert v.cvar == pytest.approx(0.02 * stats.norm.pdf(2.3263478740) / 0.01, rel=1e-8)


def test_monte_carlo_agrees_with_parametric() -> None:
    m = _model()
    w = np.full(40, 1 / 40)
    p = parametric_var(m, w, confidence=0.95, horizon=10)
    mc = monte_carlo_var(m, w, confidence=0.95, horizon=10, n_sims=200_000, seed=3)
    assert mc.var == pytest.approx(p.var, rel=0.02)
    assert mc.cvar == pytest.approx(p.cvar, rel=0.02)
    assert monte_carlo_var(m, w, seed=3).var == monte_carlo_var(m, w, seed=3).var


def test_historical_var_hand_computed() -> None:
    r = np.array([-0.05, -0.03, -0.01, 0.0, 0.01, 0.02, 0.02, 0.03, 0.04, 0.05])
    v = historical_var(r, confidence=0.9, horizon=1)
    q = np.quantile(r, 0.1)  # linear: -0.05 + 0.9 * 0.02 = -0.032
    assert q == pytest.approx(-0.032)
    assert v.var == pytest.approx(0.032) and v.cvar == pytest.approx(0.05)
    assert historical_var(r, confidence=0.9, horizon=9).var == pytest.approx(0.096)
    with pytest.raises(ValueError):
        historical_var(r, confidence=1.5)


def test_risk_attribution_table_hand_computed() -> None:
    m = FactorModel(
        exposures=np.array([[1.0, 0.0], [0.0, 1.0]]),
        factor_cov=np.diag([4e-4, 1e-4]),
        specific_var=np.array([1e-4, 1e-4]),
        factors=("market", "value"),
    )
    table = risk_attribution(m, np.array([0.5, 0.5]))
    total = np.sqrt(0.25 * 4e-4 + 0.25 * 1e-4 + 0.5 * 1e-4)
    assert table.get_column("source").to_list() == ["market", "value", "specific"]
    assert table.get_column("contribution").to_list() == pytest.approx(
        [0.25 * 4e-4 / total, 0.25 * 1e-4 / total, 0.5 * 1e-4 / total]
    )
    assert table.get_column("share").sum() == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, 40, elements=st.floats(-1.0, 1.0)).filter(lambda w: np.abs(w).sum() > 1e-3))
def test_euler_components_always_sum_to_total_vol(w: np.ndarray) -> None:
    r = decompose_risk(_model(), w)
    assert r.component.sum() == pytest.approx(r.total_vol, rel=1e-9)
    assert r.factor_contribution.sum() + r.specific_contribution == pytest.approx(r.total_vol, rel=1e-9)
