"""Construction of the parametrised (DPP) cvxpy problems used by :mod:`risk.analytics.optimizer`.

Every number that may change between re-solves is a ``cp.Parameter`` so cvxpy canonicalises a
structure once and later solves only refresh parameter values. See the optimizer module
docstring for the formulations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cvxpy as cp

if TYPE_CHECKING:
    from risk.analytics.problem import PortfolioProblem


def build(
    problem: PortfolioProblem, families: tuple[str, ...], n: int, k: int, g: int, *, dpp: bool = True
) -> tuple[cp.Problem, dict[str, cp.Parameter], cp.Expression]:
    """Return ``(problem, parameters by name, weight expression)`` for one structure."""
    # Exposures and sector membership are compiled in as constants (the caller keys its cache
    # on their digest): as Parameters they would make cvxpy's DPP tensors N·K times larger.
    xt = cp.Constant(problem.exposures.T)
    params: dict[str, cp.Parameter] = {
        "Lt": cp.Parameter((k, k), name="Lt"),
        "sd": cp.Parameter(n, nonneg=True, name="sd"),
    }
    homogeneous = problem.objective == "max_sharpe"
    # Solve in "scaled weights" v = n w (entries ~1 rather than ~1/n): conic solvers reach their
    # tolerances reliably at unit scale, notably in the 3/2-power cones of the impact cost.
    v = cp.Variable(n, name="v")
    y = v / n
    kappa = cp.Variable(nonneg=True, name="kappa") if homogeneous else None
    scale = kappa if kappa is not None else 1.0

    def p(name: str, shape: tuple[int, ...] | int = (), **kw: bool) -> cp.Parameter:
        if name not in params:
            params[name] = cp.Parameter(shape, name=name, **kw)
        return params[name]

    def times(param: cp.Parameter) -> cp.Expression:
        return cp.multiply(param, scale) if kappa is not None else param

    # Factor form without dense N x N: x = Xᵀw (K), z = Lᵀx with F = L Lᵀ, u = sqrt(d) ∘ w, so
    # wᵀΣw = ||z||² + ||u||². Parameters only enter (sparse, linear) equality constraints and the
    # objective stays parameter-free quadratic, which keeps DPP canonicalisation cheap.
    x = cp.Variable(k, name="factor_exposure")
    z = cp.Variable(k, name="factor_root")
    cons: list[cp.Constraint] = [x == xt @ y, z == params["Lt"] @ x]
    if dpp:
        u = cp.Variable(n, name="specific_root")
        cons.append(u == cp.multiply(params["sd"], y))
        specific = cp.sum_squares(u)
    else:
        # Without DPP the diagonal specific term goes straight into the QP's P matrix: N fewer
        # variables and equality rows for the solver.
        specific = cp.sum_squares(cp.multiply(params["sd"], y))
    if "budget" in families:
        cons.append(cp.sum(y) == times(p("budget")))
    if "positions" in families:
        cons += [y >= times(p("lower", n)), y <= times(p("upper", n))]
    if "sectors" in families:
        assert problem.sector_matrix is not None
        exposure = cp.Constant(problem.sector_matrix) @ y
        cons += [exposure >= times(p("s_lo", g)), exposure <= times(p("s_hi", g))]
    if "factor_bounds" in families:
        cons += [x >= times(p("f_lo", k)), x <= times(p("f_hi", k))]
    trade = None
    if problem.linear_cost is not None or problem.impact_cost is not None:
        # One bound t >= n|w - w0| shared by the cost terms and the turnover limit (t is tight
        # at the optimum because costs increase in t; for the limit, Σt <= T iff ||Δw||₁ <= T
        # is achievable), which keeps the cone program small and well scaled.
        trade = cp.Variable(n, name="abs_trade_scaled")  # >= 0 follows from the two rows below
        w0_scaled = p("w0", n) * n
        cons += [trade >= v - w0_scaled, trade >= w0_scaled - v]
    if "turnover" in families:
        if trade is not None:
            cons.append(cp.sum(trade) <= p("turnover", nonneg=True) * n)
        else:
            cons.append(cp.norm1(y - times(p("w0", n))) <= times(p("turnover", nonneg=True)))
    if "leverage" in families:
        cons.append(cp.norm1(y) <= times(p("leverage", nonneg=True)))

    risk = cp.sum_squares(z) + specific
    if homogeneous:
        assert kappa is not None
        cons.append(p("mu", n) @ y == 1)
        return cp.Problem(cp.Minimize(risk), cons), params, y / kappa

    # Mean-variance is solved as min risk - (μ/λ)ᵀw + costs/λ: dividing by λ keeps every
    # parameter multiplying a parameter-free expression (DPP), so re-solves skip canonicalisation.
    objective: cp.Expression = risk
    if trade is not None:
        if problem.linear_cost is not None:
            objective = objective + p("c_lin", n, nonneg=True) @ trade
        if problem.impact_cost is not None:
            impact, impact_cons = _power_three_halves(trade, n)
            cons += impact_cons
            objective = objective + p("c_imp", n, nonneg=True) @ impact
    if problem.objective == "mean_variance":
        objective = objective - p("mu", n) @ y
    return cp.Problem(cp.Minimize(objective), cons), params, y


def _power_three_halves(t: cp.Expression, n: int) -> tuple[cp.Variable, list[cp.Constraint]]:
    """An epigraph ``e >= t^{3/2}`` in two 3-dimensional rotated second-order cones per name and
    no other rows: ``t² <= e·s`` and ``s² <= t`` (so ``t >= 0``, ``s <= √t``, ``t² <= e√t``).

    Written out instead of ``cp.power(t, 1.5)`` so that ``t`` needs no sign bound (N fewer
    inequality rows: 12,163 instead of 15,163 at N = 3,000) and the re-solves of bench/risk.py take
    29-32 interior-point iterations instead of 31-38 (about 10 % less solver CPU; weights equal to
    1.6e-7, the solver tolerance). Clarabel's native power cone, the other way to write it, fails
    on this problem (non-symmetric cone, numerical error)."""
    e = cp.Variable(n, name="impact")
    s = cp.Variable(n, name="impact_root")
    cons: list[cp.Constraint] = [
        cp.SOC(e + s, cp.vstack([2 * t, e - s]), axis=0),
        cp.SOC(t + 1, cp.vstack([2 * s, t - 1]), axis=0),
    ]
    return e, cons
