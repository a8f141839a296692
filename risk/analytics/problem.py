"""The inputs of one portfolio optimisation (:class:`PortfolioProblem`), shared by the optimiser
(:mod:`risk.analytics.optimizer`) and the construction of its cvxpy problems
(:mod:`risk.analytics._optimizer_build`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Objective = Literal["min_variance", "mean_variance", "max_sharpe"]
FAMILIES = ("budget", "positions", "sectors", "factor_bounds", "turnover", "leverage")


@dataclass(frozen=True)
class PortfolioProblem:
    """Inputs of one optimisation. ``None`` disables a constraint family or cost term.

    exposures (N x K), factor_cov (K x K, daily), specific_var (N, daily); expected_returns (N,
    daily) for mean-variance / max Sharpe; position bounds scalar or (N,); sector_matrix (G x N,
    1 if asset i is in sector g) with sector_lower/upper (G,); factor_lower/upper (K,);
    w0 (N,) current weights (needed by turnover and costs); linear_cost / impact_cost (N,).
    """

    exposures: np.ndarray
    factor_cov: np.ndarray
    specific_var: np.ndarray
    objective: Objective = "min_variance"
    expected_returns: np.ndarray | None = None
    risk_aversion: float = 1.0
    budget: float | None = 1.0
    lower: float | np.ndarray | None = None
    upper: float | np.ndarray | None = None
    sector_matrix: np.ndarray | None = None
    sector_lower: np.ndarray | None = None
    sector_upper: np.ndarray | None = None
    factor_lower: np.ndarray | None = None
    factor_upper: np.ndarray | None = None
    w0: np.ndarray | None = None
    max_turnover: float | None = None
    max_leverage: float | None = None
    linear_cost: np.ndarray | None = None
    impact_cost: np.ndarray | None = None

    def families(self) -> tuple[str, ...]:
        """Constraint families this problem enables, in ``FAMILIES`` order."""
        on = {
            "budget": self.budget is not None,
            "positions": self.lower is not None or self.upper is not None,
            "sectors": self.sector_matrix is not None,
            "factor_bounds": self.factor_lower is not None or self.factor_upper is not None,
            "turnover": self.max_turnover is not None,
            "leverage": self.max_leverage is not None,
        }
        return tuple(f for f in FAMILIES if on[f])

    @property
    def has_costs(self) -> bool:
        return self.linear_cost is not None or self.impact_cost is not None
