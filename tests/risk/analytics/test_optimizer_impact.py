"""The 3/2-power impact cost, written as two rotated second-order cones per name, gives the
optimum that scipy's SLSQP finds on the plain objective μᵀw − λ wᵀΣw − Σc|Δw| − Σk|Δw|^{3/2}."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from risk.analytics.optimizer import FactorOptimizer, PortfolioProblem, transaction_cost


def _problem(seed: int, n: int = 12, k: int = 3) -> PortfolioProblem:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, k)) * 0.05
    w0 = rng.dirichlet(np.ones(n))
    return PortfolioProblem(
        exposures=rng.standard_normal((n, k)), factor_cov=a @ a.T + np.eye(k) * 1e-3,
        specific_var=rng.uniform(0.01, 0.04, n), objective="mean_variance",
        expected_returns=rng.normal(0.02, 0.03, n), risk_aversion=2.0, lower=0.0, upper=0.4, w0=w0,
        linear_cost=np.full(n, 2e-3), impact_cost=rng.uniform(0.02, 0.08, n),
    )  # fmt: skip


def _utility(p: PortfolioProblem, w: np.ndarray) -> float:
    sigma = p.exposures @ p.factor_cov @ p.exposures.T + np.diag(p.specific_var)
    return float(p.expected_returns @ w - p.risk_aversion * w @ sigma @ w - transaction_cost(p, w))  # type: ignore[operator]


@pytest.mark.parametrize("dpp", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_impact_cost_optimum_matches_scipy_on_the_plain_objective(seed: int, dpp: bool) -> None:
    p = _problem(seed)
    ours = FactorOptimizer(dpp=dpp).solve(p)
    n = len(p.specific_var)

    # |Δw|^{3/2} is C¹, |Δw| is not: split Δw = up - down (both >= 0) for SLSQP
    def negative(x: np.ndarray) -> float:
        up, down = x[:n], x[n:]
        w = p.w0 + up - down  # type: ignore[operator]
        sigma = p.exposures @ p.factor_cov @ p.exposures.T + np.diag(p.specific_var)
        trade = up + down
        cost = p.linear_cost @ trade + p.impact_cost @ np.abs(up - down) ** 1.5  # type: ignore[operator]
        return -float(p.expected_returns @ w - p.risk_aversion * w @ sigma @ w - cost)  # type: ignore[operator]

    cons = [{"type": "eq", "fun": lambda x: np.sum(x[:n] - x[n:])},
            {"type": "ineq", "fun": lambda x: p.w0 + x[:n] - x[n:]},  # type: ignore[operator]
            {"type": "ineq", "fun": lambda x: 0.4 - (p.w0 + x[:n] - x[n:])}]  # type: ignore[operator]  # fmt: skip
    ref = minimize(negative, np.zeros(2 * n), method="SLSQP", bounds=[(0, None)] * (2 * n), constraints=cons,
                   options={"ftol": 1e-14, "maxiter": 2000})  # fmt: skip
    assert ref.success
    w_ref = p.w0 + ref.x[:n] - ref.x[n:]  # type: ignore[operator]
    assert np.abs(w_ref - p.w0).sum() > 0.05  # the costs do not freeze the portfolio: the cone part is active
    assert _utility(p, ours.weights) == pytest.approx(_utility(p, w_ref), abs=1e-8)
    assert ours.objective == pytest.approx(_utility(p, ours.weights), abs=1e-12)
    np.testing.assert_allclose(ours.weights, w_ref, atol=2e-4)
