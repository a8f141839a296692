"""Portfolio risk analytics in factor form ``Σ = X F Xᵀ + diag(d)`` (never formed densely).

Conventions: ``X`` is N x K exposures, ``F`` the K x K **daily** factor covariance, ``d`` the N
daily specific variances, weights are fractions of portfolio value (they need not sum to 1:
active or long-short weights work the same). Every risk number is daily; scale a volatility to
another horizon by ``sqrt(h)`` (the square-root-of-time rule, iid returns) — e.g. annualise
with ``h = quant.periods.periods_per_year("daily")``. VaR and CVaR are reported as positive
losses (fractions of portfolio value) at confidence ``α`` (e.g. 0.99).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats


@dataclass(frozen=True)
class FactorModel:
    """Factor-form covariance: ``exposures`` (N x K), ``factor_cov`` (K x K), ``specific_var`` (N)."""

    exposures: np.ndarray
    factor_cov: np.ndarray
    specific_var: np.ndarray
    factors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n, k = self.exposures.shape
        if self.factor_cov.shape != (k, k) or self.specific_var.shape != (n,):
            raise ValueError(
                f"Shapes disagree: X {self.exposures.shape}, F {self.factor_cov.shape}, d {self.specific_var.shape}."
            )

    def cov_times(self, weights: np.ndarray) -> np.ndarray:
        """``Σ w = X (F (Xᵀ w)) + d ∘ w`` in O(NK + K²)."""
        return self.exposures @ (self.factor_cov @ (self.exposures.T @ weights)) + self.specific_var * weights

    def variance(self, weights: np.ndarray) -> float:
        """Portfolio variance ``wᵀ Σ w`` (daily)."""
        x = self.exposures.T @ weights
        return float(x @ self.factor_cov @ x + np.sum(self.specific_var * weights**2))


def build_factor_model(
    exposures: pl.DataFrame,
    factors: list[str],
    factor_cov: np.ndarray,
    specific: pl.DataFrame,
    *,
    industry: str = "industry",
    market: str = "market",
    asset: str = "permno",
    vol: str = "specific_vol",
) -> tuple[FactorModel, pl.Series]:
    """Align polars inputs into a :class:`FactorModel` (rows ordered by ``asset``).

    ``exposures`` has one row per asset with style columns and an ``industry`` label; each
    factor name becomes: 1 for ``market``, the column of that name if present, else the dummy
    ``industry == name``. ``specific`` holds daily ``vol`` per asset (squared into variances).
    Assets missing a specific vol or a style exposure are dropped. Returns the model and the
    asset identifiers in row order.
    """
    styles = [f for f in factors if f != market and f in exposures.columns]
    frame = exposures.join(specific.select(asset, vol), on=asset, how="inner").drop_nulls([vol, *styles]).sort(asset)
    columns = []
    for name in factors:
        if name == market:
            columns.append(np.ones(frame.height))
        elif name in styles:
            columns.append(frame.get_column(name).cast(pl.Float64).to_numpy())
        else:
            columns.append((frame.get_column(industry).cast(pl.String) == name).cast(pl.Float64).to_numpy())
    model = FactorModel(
        exposures=np.column_stack(columns),
        factor_cov=np.asarray(factor_cov, dtype=np.float64),
        specific_var=frame.get_column(vol).to_numpy() ** 2,
        factors=tuple(factors),
    )
    return model, frame.get_column(asset)


@dataclass(frozen=True)
class RiskDecomposition:
    """Daily risk of a weight vector and its Euler decomposition.

    ``component`` (N) and ``factor_contribution`` (K) + ``specific_contribution`` each sum to
    ``total_vol``; ``marginal`` is ``∂σ/∂w = Σw/σ``. ``exposures`` = ``Xᵀ w``.
    """

    total_var: float
    factor_var: float
    specific_var: float
    total_vol: float
    factor_vol: float
    specific_vol: float
    marginal: np.ndarray
    component: np.ndarray
    exposures: np.ndarray
    factor_contribution: np.ndarray
    specific_contribution: float


def decompose_risk(model: FactorModel, weights: np.ndarray) -> RiskDecomposition:
    """Total / factor / specific variance and Euler risk contributions of ``weights``."""
    w = np.asarray(weights, dtype=np.float64)
    x = model.exposures.T @ w
    fx = model.factor_cov @ x
    factor_var = float(x @ fx)
    spec_var = float(np.sum(model.specific_var * w**2))
    total = factor_var + spec_var
    vol = float(np.sqrt(total))
    if vol == 0.0:
        raise ValueError("Portfolio has zero risk; contributions are undefined.")
    marginal = (model.exposures @ fx + model.specific_var * w) / vol
    return RiskDecomposition(
        total_var=total,
        factor_var=factor_var,
        specific_var=spec_var,
        total_vol=vol,
        factor_vol=float(np.sqrt(factor_var)),
        specific_vol=float(np.sqrt(spec_var)),
        marginal=marginal,
        component=w * marginal,
        exposures=x,
        factor_contribution=x * fx / vol,
        specific_contribution=spec_var / vol,
    )


def risk_attribution(model: FactorModel, weights: np.ndarray) -> pl.DataFrame:
    """Risk by factor: ``source, exposure, contribution, share`` (daily vol units).

    One row per factor (names from ``model.factors``, else ``f0..``) plus ``specific``;
    ``contribution`` sums to the total vol and ``share`` to 1 (Euler, may be negative).
    """
    r = decompose_risk(model, weights)
    names = list(model.factors) or [f"f{i}" for i in range(r.exposures.size)]
    contrib = np.r_[r.factor_contribution, r.specific_contribution]
    return pl.DataFrame(
        {
            "source": [*names, "specific"],
            "exposure": [*r.exposures.tolist(), None],
            "contribution": contrib,
            "share": contrib / r.total_vol,
        },
        schema={"source": pl.String, "exposure": pl.Float64, "contribution": pl.Float64, "share": pl.Float64},
    )


def tracking_error(model: FactorModel, weights: np.ndarray, benchmark: np.ndarray) -> RiskDecomposition:
    """Ex-ante (daily) tracking error: the risk decomposition of active weights ``w - w_b``."""
    return decompose_risk(model, np.asarray(weights, dtype=np.float64) - np.asarray(benchmark, dtype=np.float64))


@dataclass(frozen=True)
class ValueAtRisk:
    """VaR and CVaR (expected shortfall) as positive losses at ``confidence`` over ``horizon`` days."""

    var: float
    cvar: float
    confidence: float
    horizon: float
    method: str


def parametric_var(
    model: FactorModel,
    weights: np.ndarray,
    *,
    confidence: float = 0.99,
    horizon: float = 1.0,
    mean: float = 0.0,
) -> ValueAtRisk:
    """Normal VaR/CVaR: ``VaR = z_α σ √h - μ h``, ``CVaR = σ √h φ(z_α)/(1-α) - μ h``.

    ``mean`` is the daily expected portfolio return (default 0).
    """
    _check_confidence(confidence)
    sigma = np.sqrt(model.variance(np.asarray(weights, dtype=np.float64)) * horizon)
    z = stats.norm.ppf(confidence)
    var = z * sigma - mean * horizon
    cvar = sigma * stats.norm.pdf(z) / (1.0 - confidence) - mean * horizon
    return ValueAtRisk(float(var), float(cvar), confidence, horizon, "parametric")


def historical_var(portfolio_returns: np.ndarray, *, confidence: float = 0.99, horizon: float = 1.0) -> ValueAtRisk:
    """Historical-simulation VaR/CVaR from daily portfolio returns, scaled by ``√h``.

    ``VaR_1 = -quantile(r, 1-α)`` (numpy "linear" interpolation), ``CVaR_1`` = minus the mean of
    returns at or below ``-VaR_1``. NaNs are dropped. Square-root-of-time scaling to ``h`` days.
    """
    _check_confidence(confidence)
    r = np.asarray(portfolio_returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.size < 2:
        raise ValueError("Need at least two returns for historical VaR.")
    q = float(np.quantile(r, 1.0 - confidence))
    tail = r[r <= q]
    scale = np.sqrt(horizon)
    return ValueAtRisk(-q * scale, float(-tail.mean() * scale), confidence, horizon, "historical")


def monte_carlo_var(
    model: FactorModel,
    weights: np.ndarray,
    *,
    confidence: float = 0.99,
    horizon: float = 1.0,
    n_sims: int = 100_000,
    seed: int = 0,
) -> ValueAtRisk:
    """Monte Carlo VaR/CVaR from the factor model (seeded).

    Simulates ``h``-day factor returns ``f ~ N(0, h F)`` (through the eigen-decomposition of F)
    and the portfolio's specific return ``e ~ N(0, h Σ w_i² d_i)`` (the exact distribution of
    ``wᵀε`` for independent normal specific returns); P&L = ``(Xᵀw)ᵀ f + e``.
    """
    _check_confidence(confidence)
    w = np.asarray(weights, dtype=np.float64)
    rng = np.random.default_rng(seed)
    eigval, eigvec = np.linalg.eigh(model.factor_cov)
    root = eigvec * np.sqrt(np.clip(eigval, 0.0, None))
    x = model.exposures.T @ w
    factor_pnl = rng.standard_normal((n_sims, x.size)) @ (root.T @ x)
    spec_sd = np.sqrt(np.sum(model.specific_var * w**2))
    pnl = np.sqrt(horizon) * (factor_pnl + spec_sd * rng.standard_normal(n_sims))
    q = float(np.quantile(pnl, 1.0 - confidence))
    return ValueAtRisk(-q, float(-pnl[pnl <= q].mean()), confidence, horizon, "monte_carlo")


def _check_confidence(confidence: float) -> None:
    if not 0.5 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0.5, 1); got {confidence}.")
