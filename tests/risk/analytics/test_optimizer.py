from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from risk.analytics.optimizer import (
    FactorOptimizer,
    InfeasibleError,
    OptimizationError,
    PortfolioProblem,
    optimize,
    transaction_cost,
)

TOL = 1e-6


def _problem(n: int = 20, k: int = 3, seed: int = 0, **kw: object) -> PortfolioProblem:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, k))
    base = PortfolioProblem(
        exposures=rng.standard_normal((n, k)),
        factor_cov=(a @ a.T / k + 0.2 * np.eye(k)) * 1e-4,
        specific_var=rng.uniform(1e-4, 4e-4, n),
        expected_returns=rng.normal(3e-4, 3e-4, n),
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def _dense(p: PortfolioProblem) -> np.ndarray:
    return p.exposures @ p.factor_cov @ p.exposures.T + np.diag(p.specific_var)


def test_unconstrained_min_variance_equals_closed_form() -> None:
    p = _problem()
    inv1 = np.linalg.solve(_dense(p), np.ones(20))
    res = optimize(p)
    np.testing.assert_allclose(res.weights, inv1 / inv1.sum(), atol=TOL)
    assert res.status == "optimal" and res.families == ("budget",)
    assert res.risk == pytest.approx(np.sqrt(1 / inv1.sum()), rel=1e-6)


def test_unconstrained_max_sharpe_equals_tangency_portfolio() -> None:
    p = _problem(objective="max_sharpe")
    x = np.linalg.solve(_dense(p), p.expected_returns)
    tangency = x / x.sum()
    res = optimize(p)
    np.testing.assert_allclose(res.weights, tangency, atol=TOL)
    sharpe = tangency @ p.expected_returns / np.sqrt(tangency @ _dense(p) @ tangency)
    assert res.objective == pytest.approx(sharpe, rel=1e-6)


def test_mean_variance_with_budget_matches_lagrangian_solution() -> None:
    p = _problem(objective="mean_variance", risk_aversion=3.0)
    sigma_inv = np.linalg.inv(_dense(p))
    ones, mu = np.ones(20), p.expected_returns
    # w = Σ⁻¹(μ - η1)/(2λ) with η fixed by 1ᵀw = 1
    eta = (ones @ sigma_inv @ mu - 2 * 3.0) / (ones @ sigma_inv @ ones)
    expected = sigma_inv @ (mu - eta * ones) / (2 * 3.0)
    np.testing.assert_allclose(optimize(p).weights, expected, atol=TOL)


@pytest.mark.parametrize("seed", range(20))
def test_constraints_hold_on_randomised_problems(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n, k, g = 40, 4, 3
    long_only = seed % 2 == 0
    sectors = np.zeros((g, n))
    sectors[rng.integers(0, g, n), np.arange(n)] = 1.0
    w0 = rng.dirichlet(np.ones(n))
    lower, upper = (0.0, 0.08) if long_only else (-0.05, 0.1)
    objective = ("min_variance", "mean_variance", "max_sharpe")[seed % 3]
    p = _problem(
        n=n,
        k=k,
        seed=seed,
        objective=objective,
        risk_aversion=2.0,
        lower=lower,
        upper=upper,
        sector_matrix=sectors,
        sector_lower=sectors @ w0 - 0.05,
        sector_upper=sectors @ w0 + 0.05,
        factor_lower=np.full(k, -0.3),
        factor_upper=np.full(k, 0.3),
        w0=w0,
        max_turnover=0.6,
        max_leverage=None if long_only else 1.6,
        linear_cost=None if objective == "max_sharpe" else np.full(n, 1e-4),
        impact_cost=None if objective == "max_sharpe" else np.full(n, 5e-4),
    )
    res = FactorOptimizer(dpp=seed < 2).solve(p)
    w = res.weights
    assert abs(w.sum() - 1.0) < TOL
    assert w.min() >= lower - TOL and w.max() <= upper + TOL
    s = sectors @ w
    assert np.all(s >= p.sector_lower - TOL) and np.all(s <= p.sector_upper + TOL)
    x = p.exposures.T @ w
    assert np.all(np.abs(x) <= 0.3 + TOL)
    assert np.abs(w - w0).sum() <= 0.6 + TOL
    if not long_only:
        assert np.abs(w).sum() <= 1.6 + TOL
    assert res.risk == pytest.approx(np.sqrt(w @ _dense(p) @ w), rel=1e-9)


def test_infeasible_problem_names_the_conflicting_families() -> None:
    p = _problem(lower=0.0, upper=0.02)  # 20 names x 2 % cannot reach a 100 % budget
    with pytest.raises(InfeasibleError) as err:
        optimize(p)
    assert err.value.conflicting == ("budget", "positions")
    assert "budget, positions" in str(err.value)


def test_sector_bands_conflict_is_named() -> None:
    sectors = np.zeros((2, 20))
    sectors[0, :10] = 1
    sectors[1, 10:] = 1
    p = _problem(sector_matrix=sectors, sector_lower=np.zeros(2), sector_upper=np.full(2, 0.4), lower=0.0)
    with pytest.raises(InfeasibleError) as err:
        optimize(p)
    assert err.value.conflicting == ("budget", "sectors")


def test_relaxation_drops_families_in_documented_order() -> None:
    sectors = np.zeros((2, 20))
    sectors[0, :10] = 1
    sectors[1, 10:] = 1
    w0 = np.r_[np.full(10, 0.09), np.full(10, 0.01)]  # 90 % in sector 0
    p = _problem(
        lower=0.0,
        sector_matrix=sectors,
        sector_lower=np.full(2, 0.3),
        sector_upper=np.full(2, 0.7),
        w0=w0,
        max_turnover=0.1,  # reaching the 70 % cap needs 0.4 of turnover
    )
    with pytest.raises(InfeasibleError) as err:
        optimize(p)
    assert err.value.conflicting == ("sectors", "turnover")
    res = optimize(p, relax=True)
    assert res.relaxed == ("turnover",)
    assert "turnover" not in res.families
    assert sectors[0] @ res.weights <= 0.7 + TOL


def test_unbounded_problem_raises_with_status() -> None:
    p = _problem(
        objective="mean_variance",
        factor_cov=np.zeros((3, 3)),
        specific_var=np.zeros(20),
    )
    with pytest.raises(OptimizationError) as err:
        optimize(p)
    assert "unbounded" in err.value.status


def test_large_costs_freeze_the_portfolio_and_impact_reduces_turnover() -> None:
    w0 = np.full(20, 0.05)
    frozen = optimize(_problem(lower=0.0, w0=w0, linear_cost=np.full(20, 1.0)))
    np.testing.assert_allclose(frozen.weights, w0, atol=1e-6)
    free = optimize(_problem(lower=0.0, w0=w0))
    costly = optimize(_problem(lower=0.0, w0=w0, impact_cost=np.full(20, 0.02)))
    assert costly.turnover < 0.9 * free.turnover
    expected_cost = 0.02 * np.sum(np.abs(costly.weights - w0) ** 1.5)
    p = _problem(lower=0.0, w0=w0, impact_cost=np.full(20, 0.02))
    assert transaction_cost(p, costly.weights) == pytest.approx(expected_cost)
    assert costly.objective == pytest.approx(costly.risk**2 + expected_cost, rel=1e-9)


def test_warm_resolve_reuses_the_compiled_problem() -> None:
    opt = FactorOptimizer(dpp=True)
    p = _problem(objective="mean_variance", lower=-0.2, upper=0.3)
    first = opt.solve(p)
    changed = dataclasses.replace(p, expected_returns=p.expected_returns[::-1].copy(), risk_aversion=5.0)
    second = opt.solve(changed)
    assert len(opt._cache) == 1
    fresh = FactorOptimizer(dpp=False).solve(changed)
    # Two independent interior-point solutions at 1e-7 gap tolerance agree to ~1e-5 in weights.
    np.testing.assert_allclose(second.weights, fresh.weights, atol=2e-5)
    assert second.objective == pytest.approx(fresh.objective, rel=1e-6)
    assert not np.allclose(first.weights, second.weights, atol=1e-3)


def test_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="costs"):
        optimize(_problem(objective="max_sharpe", w0=np.full(20, 0.05), linear_cost=np.ones(20)))
    with pytest.raises(ValueError, match="expected_returns"):
        optimize(_problem(objective="mean_variance", expected_returns=None))
    with pytest.raises(ValueError, match="w0"):
        optimize(_problem(max_turnover=0.1))


def test_relaxation_never_drops_the_budget() -> None:
    # Leverage 0.5 cannot hold a fully invested portfolio; leverage and budget are never relaxed.
    p = _problem(lower=-0.2, upper=0.3, max_leverage=0.5)
    with pytest.raises(InfeasibleError) as err:
        optimize(p, relax=True)
    assert err.value.conflicting == ("budget", "leverage")


def test_a_fast_try_that_is_not_optimal_is_solved_again_with_refinement(monkeypatch: pytest.MonkeyPatch) -> None:
    import cvxpy as cp

    calls: list[object] = []
    solve = cp.Problem.solve

    def spy(self: cp.Problem, *args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("iterative_refinement_enable"))
        return solve(self, *args, **kwargs)

    monkeypatch.setattr(cp.Problem, "solve", spy)
    optimize(_problem(lower=0.0, upper=0.5))  # optimal at once: one fast try
    assert calls == [False]
    calls.clear()
    with pytest.raises(InfeasibleError):
        optimize(_problem(lower=0.0, upper=0.02))  # infeasible: confirmed with refined KKT solves
    assert calls[:2] == [False, True] and len(calls) % 2 == 0
