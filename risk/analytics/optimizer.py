"""Factor-model portfolio optimiser (cvxpy, CLARABEL) with infeasibility diagnosis and relaxation.

Risk is always in factor form, ``wᵀΣw = ||B w||² + Σ_i d_i w_i²`` with ``B = (X F^{1/2})ᵀ`` (K x N):
no dense N x N matrix is ever built. Objectives (daily units, weights = fractions of capital):

* ``min_variance``:  minimise ``wᵀΣw + costs(w)``
* ``mean_variance``: maximise ``μᵀw - λ wᵀΣw - costs(w)``
* ``max_sharpe``:    maximise ``μᵀw / sqrt(wᵀΣw)`` through the convex reformulation ``y = κ w``,
  ``κ >= 0``: minimise ``yᵀΣy`` s.t. ``μᵀy = 1`` and every constraint homogenised
  (``1ᵀy = b κ``, ``l κ <= y <= u κ``, ...); ``w = y / κ``. Costs cannot be homogenised, so they
  are rejected for this objective.

Constraint families (names used in errors and relaxation): ``budget`` (``1ᵀw = b``),
``positions`` (``l <= w <= u``), ``sectors`` (``L_g <= Σ_{i∈g} w_i <= U_g``), ``factor_bounds``
(``lo <= Xᵀw <= hi``), ``turnover`` (``||w - w0||₁ <= T``), ``leverage`` (``||w||₁ <= L``).
Costs: ``Σ c_i |w_i - w0_i| + Σ k_i |w_i - w0_i|^{3/2}`` (linear + 3/2-power market impact).
Infinite bounds are replaced by ``±UNBOUNDED`` (cvxpy parameters must be finite).

Status is never ignored: anything but ``optimal`` raises :class:`OptimizationError`; an
infeasible problem raises :class:`InfeasibleError` naming the families whose single removal
makes it feasible. With ``relax=True`` families are dropped cumulatively in ``RELAX_ORDER``
(turnover → factor_bounds → sectors → positions) until feasible; budget and leverage are never
relaxed. Compiled problems are cached per structure so re-solves only update Parameters.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np

from risk.analytics._optimizer_build import build
from risk.analytics.problem import PortfolioProblem

RELAX_ORDER = ("turnover", "factor_bounds", "sectors", "positions")
UNBOUNDED = 1e6


class OptimizationError(RuntimeError):
    """The solver did not return an optimal solution; ``status`` is cvxpy's status string."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


class InfeasibleError(OptimizationError):
    """The constraints conflict; ``conflicting`` names the families whose removal fixes it."""

    def __init__(self, conflicting: tuple[str, ...], enabled: tuple[str, ...]) -> None:
        if conflicting:
            what = "conflicting constraint families: " + ", ".join(conflicting)
        else:
            what = "no single family is to blame; the combination of " + ", ".join(enabled) + " is"
        super().__init__(f"Optimisation infeasible ({what}).", "infeasible")
        self.conflicting = conflicting
        self.enabled = enabled


@dataclass(frozen=True)
class OptimizationResult:
    """Optimal weights and diagnostics. ``risk`` is the daily volatility ``sqrt(wᵀΣw)``;
    ``solve_time`` the wall seconds of this call including any canonicalisation and
    ``solver_time`` the seconds spent inside the numerical solver for the final solve."""

    weights: np.ndarray
    status: str
    objective: float
    risk: float
    solve_time: float
    relaxed: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    solver_time: float | None = None
    expected_return: float | None = None
    turnover: float | None = None


@dataclass
class _Compiled:
    problem: cp.Problem
    params: dict[str, cp.Parameter]
    weights: cp.Expression


# Clarabel's default 1e-8 tolerances sometimes end in "AlmostSolved" on the 3/2-power cost
# cones; 1e-7 on the unit-scaled problem (weights scaled by N, objective by 1/variance) is
# reached reliably and is far below any economically meaningful weight difference.
# Iterative refinement of the KKT solves is off on the first try: on the well-scaled problem it
# changes no iteration count and the weights by ~4e-9, and costs 40 % of the N = 3,000 re-solve
# (bench/risk.py). Clarabel still checks its tolerances on the true residuals, and any status but
# optimal is solved again with refinement on (REFINED_OPTIONS) before it is reported.
CLARABEL_OPTIONS: dict[str, float | bool] = {
    "tol_gap_abs": 1e-7, "tol_gap_rel": 1e-7, "tol_feas": 1e-7, "iterative_refinement_enable": False,
}  # fmt: skip
REFINED_OPTIONS: dict[str, float | bool] = {"iterative_refinement_enable": True}
# cvxpy's DPP compilation materialises tensors of size ~ (variables x parameters); above this
# many entries a parametrised compile needs many GB, so "auto" falls back to compiling the
# problem afresh on every solve (``ignore_dpp=True``, ~0.3 s at N=3,000).
DPP_MAX_TENSOR = 2e8


@dataclass
class FactorOptimizer:
    """Caches one compiled cvxpy problem per structure; call :meth:`solve` repeatedly.

    ``dpp``: ``True`` compiles once and re-solves by updating Parameters only; ``False``
    re-canonicalises each solve; ``None`` (auto) uses DPP while the estimated parameter tensor
    ``(3N + 2K) x (#parameters)`` stays below ``DPP_MAX_TENSOR`` entries. Exposures and sector
    membership are compiled as constants: the cache is keyed on their SHA-1 digest and keeps
    the ``max_cached`` most recent structures.
    """

    solver: str = cp.CLARABEL
    dpp: bool | None = None
    solver_options: dict[str, float | bool] = field(default_factory=lambda: dict(CLARABEL_OPTIONS))
    max_cached: int = 8
    _cache: dict[tuple, _Compiled] = field(default_factory=dict)

    def uses_dpp(self, n: int, k: int, g: int) -> bool:
        """Whether a problem of this size is solved through cached DPP compilation."""
        if self.dpp is not None:
            return self.dpp
        n_params = k * k + 8 * n + 2 * (g + k)
        return (3 * n + 2 * k) * n_params < DPP_MAX_TENSOR

    def solve(self, problem: PortfolioProblem, *, relax: bool = False) -> OptimizationResult:
        """Solve ``problem``; see the module docstring for errors and relaxation."""
        _validate(problem)
        start = time.perf_counter()
        families = problem.families()
        status = self._run(problem, families)
        relaxed: tuple[str, ...] = ()
        if status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
            if not relax:
                raise InfeasibleError(self._diagnose(problem, families), families)
            for fam in RELAX_ORDER:
                if fam not in families:
                    continue
                relaxed = (*relaxed, fam)
                families = tuple(f for f in families if f != fam)
                status = self._run(problem, families)
                if status not in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
                    break
            if status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
                # Still infeasible with every relaxable family dropped: name what remains.
                raise InfeasibleError(self._diagnose(problem, families), families)
        if status != cp.OPTIMAL:
            raise OptimizationError(f"Solver {self.solver} returned status {status!r}.", status)
        return self._result(problem, families, relaxed, time.perf_counter() - start)

    def _run(self, problem: PortfolioProblem, families: tuple[str, ...]) -> str:
        compiled = self._compiled(problem, families)
        _assign(compiled.params, problem)
        n, k = problem.exposures.shape
        g = problem.sector_matrix.shape[0] if problem.sector_matrix is not None else 0
        options = dict(self.solver_options) if self.solver == cp.CLARABEL else {}
        ignore_dpp = not self.uses_dpp(n, k, g)
        tries = [options]
        if options.get("iterative_refinement_enable") is False:  # a fast try that did not end optimal
            tries.append({**options, **REFINED_OPTIONS})  # is solved again with accurate KKT solves
        for i, opts in enumerate(tries):
            try:
                compiled.problem.solve(solver=self.solver, ignore_dpp=ignore_dpp, **opts)
            except cp.SolverError as exc:
                if i == len(tries) - 1:
                    raise OptimizationError(f"Solver {self.solver} failed: {exc}", "solver_error") from exc
                continue
            if compiled.problem.status == cp.OPTIMAL:
                break
        return str(compiled.problem.status)

    def _diagnose(self, problem: PortfolioProblem, families: tuple[str, ...]) -> tuple[str, ...]:
        blamed = []
        for fam in families:
            status = self._run(problem, tuple(f for f in families if f != fam))
            if status not in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
                blamed.append(fam)
        return tuple(blamed)

    def _result(
        self, problem: PortfolioProblem, families: tuple[str, ...], relaxed: tuple[str, ...], elapsed: float
    ) -> OptimizationResult:
        compiled = self._compiled(problem, families)
        w = np.asarray(compiled.weights.value, dtype=np.float64).ravel()
        x = problem.exposures.T @ w
        risk = float(np.sqrt(x @ problem.factor_cov @ x + np.sum(problem.specific_var * w**2)))
        mu = problem.expected_returns
        return OptimizationResult(
            weights=w,
            status=str(compiled.problem.status),
            objective=_objective_value(problem, w, risk),
            risk=risk,
            solve_time=elapsed,
            relaxed=relaxed,
            families=families,
            expected_return=float(mu @ w) if mu is not None else None,
            turnover=float(np.abs(w - problem.w0).sum()) if problem.w0 is not None else None,
            solver_time=compiled.problem.solver_stats.solve_time,
        )

    def _compiled(self, problem: PortfolioProblem, families: tuple[str, ...]) -> _Compiled:
        n, k = problem.exposures.shape
        g = problem.sector_matrix.shape[0] if problem.sector_matrix is not None else 0
        digest = hashlib.sha1(np.ascontiguousarray(problem.exposures, dtype=np.float64).tobytes())
        if problem.sector_matrix is not None:
            digest.update(np.ascontiguousarray(problem.sector_matrix, dtype=np.float64).tobytes())
        key = (
            problem.objective,
            n,
            k,
            g,
            families,
            problem.linear_cost is not None,
            problem.impact_cost is not None,
            digest.hexdigest(),
        )
        if key not in self._cache:
            while len(self._cache) >= self.max_cached:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = _Compiled(*build(problem, families, n, k, g, dpp=self.uses_dpp(n, k, g)))
        return self._cache[key]


def transaction_cost(problem: PortfolioProblem, weights: np.ndarray) -> float:
    """``Σ c_i |Δw_i| + Σ k_i |Δw_i|^{3/2}`` for ``Δw = w - w0`` (0 without cost terms)."""
    if problem.w0 is None:
        return 0.0
    trade = np.abs(weights - problem.w0)
    cost = 0.0
    if problem.linear_cost is not None:
        cost += float(problem.linear_cost @ trade)
    if problem.impact_cost is not None:
        cost += float(problem.impact_cost @ trade**1.5)
    return cost


def _objective_value(problem: PortfolioProblem, w: np.ndarray, risk: float) -> float:
    """Objective in the problem's own terms: variance + costs, utility, or Sharpe ratio."""
    if problem.objective == "min_variance":
        return risk**2 + transaction_cost(problem, w)
    mu_w = float(np.asarray(problem.expected_returns) @ w)
    if problem.objective == "max_sharpe":
        return mu_w / risk
    return mu_w - problem.risk_aversion * risk**2 - transaction_cost(problem, w)


def optimize(problem: PortfolioProblem, *, relax: bool = False) -> OptimizationResult:
    """One-off solve with a fresh :class:`FactorOptimizer` (use the class to reuse compilation)."""
    return FactorOptimizer().solve(problem, relax=relax)


def _validate(p: PortfolioProblem) -> None:
    n, k = p.exposures.shape
    if p.factor_cov.shape != (k, k) or p.specific_var.shape != (n,):
        raise ValueError("exposures, factor_cov and specific_var shapes disagree.")
    if p.objective in ("mean_variance", "max_sharpe") and p.expected_returns is None:
        raise ValueError(f"{p.objective} needs expected_returns.")
    if p.objective == "max_sharpe" and p.has_costs:
        raise ValueError("max_sharpe cannot include transaction costs (not homogeneous); use mean_variance.")
    if (p.max_turnover is not None or p.has_costs) and p.w0 is None:
        raise ValueError("turnover and costs need w0 (current weights).")
    if p.sector_matrix is not None and (p.sector_lower is None or p.sector_upper is None):
        raise ValueError("sector_matrix needs sector_lower and sector_upper.")
    if p.objective == "mean_variance" and not p.risk_aversion > 0:
        raise ValueError("risk_aversion must be positive for mean_variance.")


def _assign(params: dict[str, cp.Parameter], p: PortfolioProblem) -> None:
    n, k = p.exposures.shape
    eigval, eigvec = np.linalg.eigh(p.factor_cov)
    root = eigvec * np.sqrt(np.clip(eigval, 0.0, None))  # F = root rootᵀ (PSD-safe)
    # Daily variances are ~1e-4: rescale the objective by c² = 1/(typical variance) so the
    # solver works near unit scale (the minimiser is unchanged; reported numbers are unscaled).
    typical_var = float(np.mean(p.specific_var)) + float(np.trace(p.factor_cov)) / k
    c2 = 1.0 / typical_var if typical_var > 0 else 1.0
    c = np.sqrt(c2)
    obj_scale = c2 / p.risk_aversion if p.objective == "mean_variance" else c2
    values: dict[str, np.ndarray | float | None] = {
        "Lt": root.T * c,
        "sd": np.sqrt(p.specific_var) * c,
        "mu": _scaled(p.expected_returns, 1.0 if p.objective == "max_sharpe" else obj_scale),
        "budget": p.budget,
        "lower": _bound(p.lower, n, -UNBOUNDED),
        "upper": _bound(p.upper, n, UNBOUNDED),
        "s_lo": p.sector_lower,
        "s_hi": p.sector_upper,
        "f_lo": _bound(p.factor_lower, k, -UNBOUNDED),
        "f_hi": _bound(p.factor_upper, k, UNBOUNDED),
        "w0": p.w0,
        "turnover": p.max_turnover,
        "leverage": p.max_leverage,
        "c_lin": _scaled(p.linear_cost, obj_scale / n),  # trade variable is n |Δw|
        "c_imp": _scaled(p.impact_cost, obj_scale / n**1.5),
    }
    for name, param in params.items():
        value = values[name]
        if value is None:
            raise ValueError(f"Parameter {name!r} is required by this problem structure.")
        param.value = np.clip(np.asarray(value, dtype=np.float64), -UNBOUNDED, UNBOUNDED)


def _scaled(value: np.ndarray | None, factor: float) -> np.ndarray | None:
    return None if value is None else np.asarray(value, dtype=np.float64) * factor


def _bound(value: float | np.ndarray | None, size: int, default: float) -> np.ndarray:
    if value is None:
        return np.full(size, default)
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (size,)).copy()
    arr[~np.isfinite(arr)] = np.sign(arr[~np.isfinite(arr)]) * UNBOUNDED
    return arr
