"""Factor covariance: EWMA with separate volatility/correlation half-lives, Newey-West (Bartlett),
eigenfactor risk adjustment and volatility-regime adjustment (USE4 methodology).

Conventions: inputs are daily decimal factor returns, ``T x K`` arrays ordered oldest to newest
(row ``T-1`` is the most recent day); outputs are **daily** covariances (multiply by
``quant.periods.periods_per_year("daily")`` to annualise). Half-lives are in observations
(trading days). Means are zero by default (``demean=False``), the USE4 convention for daily
factor returns; with ``demean=True`` the EWMA-weighted mean is removed. Rows containing a NaN
are dropped before estimation (factors are estimated jointly, so a missing factor-day removes
the day). No look-ahead: an estimate "as of" row ``t`` uses rows ``<= t`` only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from quant.columns import DATE

USE4_VOL_HALF_LIFE = 84
USE4_CORR_HALF_LIFE = 504
USE4_VRA_HALF_LIFE = 42
USE4_EIGEN_SCALE = 1.2


def ewma_weights(n_obs: int, half_life: float | None) -> np.ndarray:
    """Weights for rows ``0..n_obs-1`` (oldest first) with ``w_t ∝ 0.5 ** ((n_obs-1-t)/half_life)``.

    ``half_life=None`` gives equal weights. Weights sum to 1.
    """
    if n_obs <= 0:
        raise ValueError("n_obs must be positive.")
    if half_life is None:
        return np.full(n_obs, 1.0 / n_obs)
    if half_life <= 0:
        raise ValueError("half_life must be positive.")
    age = np.arange(n_obs - 1, -1, -1, dtype=np.float64)
    w = 0.5 ** (age / half_life)
    return w / w.sum()


def weighted_hac_covariance(
    returns: np.ndarray, weights: np.ndarray, nw_lags: int = 0, *, demean: bool = False
) -> np.ndarray:
    """Weighted Newey-West covariance with Bartlett kernel.

    ``Σ = Γ_0 + Σ_{l=1..L} (1 - l/(L+1)) (Γ_l + Γ_lᵀ)`` with ``Γ_l = Σ_{t>=l} w_t x_t x_{t-l}ᵀ``
    and weights summing to 1 (so equal weights reproduce statsmodels' ``S_hac_simple / T``).
    """
    x = np.asarray(returns, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if demean:
        x = x - w @ x
    xw = x * w[:, None]
    cov = xw.T @ x
    for lag in range(1, nw_lags + 1):
        bartlett = 1.0 - lag / (nw_lags + 1.0)
        gamma = xw[lag:].T @ x[:-lag]
        cov += bartlett * (gamma + gamma.T)
    return 0.5 * (cov + cov.T)


def ewma_covariance(
    returns: np.ndarray,
    *,
    vol_half_life: float | None = USE4_VOL_HALF_LIFE,
    corr_half_life: float | None = USE4_CORR_HALF_LIFE,
    nw_lags: int = 0,
    demean: bool = False,
) -> np.ndarray:
    """Daily covariance ``D C D``: vols from the vol half-life, correlations from the corr half-life.

    Both pieces use :func:`weighted_hac_covariance` with the same Newey-West lags.
    """
    x = _clean(returns)
    n_obs = x.shape[0]
    vol_cov = weighted_hac_covariance(x, ewma_weights(n_obs, vol_half_life), nw_lags, demean=demean)
    corr_cov = weighted_hac_covariance(x, ewma_weights(n_obs, corr_half_life), nw_lags, demean=demean)
    vol = np.sqrt(np.clip(np.diag(vol_cov), 0.0, None))
    corr_sd = np.sqrt(np.clip(np.diag(corr_cov), 1e-300, None))
    corr = corr_cov / np.outer(corr_sd, corr_sd)
    np.fill_diagonal(corr, 1.0)
    return corr * np.outer(vol, vol)


def eigenfactor_adjust(
    cov: np.ndarray,
    n_obs: int,
    *,
    n_sims: int = 1_000,
    scale: float = USE4_EIGEN_SCALE,
    seed: int = 0,
    half_life: float | None = None,
) -> np.ndarray:
    """Eigenfactor risk adjustment (Menchero, Wang and Orr 2011).

    Simulate ``n_sims`` histories of ``n_obs`` iid normal returns with covariance ``cov``
    (zero mean), estimate each with the second-moment matrix under the model's weights
    (``half_life``; None = equal weights), and measure how
    much each sample eigenportfolio's true variance exceeds its estimated variance:
    ``λ_k = sqrt(mean_m(ũ_mkᵀ Σ ũ_mk / d̃_mk))``. Eigenvalues of ``cov`` are multiplied by
    ``γ_k² = (scale (λ_k - 1) + 1)²``; eigenvectors are unchanged. Seeded, deterministic.
    """
    eigval, eigvec = np.linalg.eigh(cov)
    eigval = np.clip(eigval, 0.0, None)
    rng = np.random.default_rng(seed)
    k = cov.shape[0]
    ratio = np.zeros(k)
    sd = np.sqrt(eigval)
    w = ewma_weights(n_obs, half_life)
    for _ in range(n_sims):
        b = rng.standard_normal((n_obs, k)) * sd  # returns in the eigenbasis
        sim = b @ eigvec.T
        sim_cov = (sim * w[:, None]).T @ sim
        d_sim, u_sim = np.linalg.eigh(sim_cov)
        true_var = np.einsum("ik,ij,jk->k", u_sim, cov, u_sim)
        ratio += true_var / np.clip(d_sim, 1e-300, None)
    lam = np.sqrt(ratio / n_sims)
    gamma = scale * (lam - 1.0) + 1.0
    adjusted = (eigvec * (gamma**2 * eigval)) @ eigvec.T
    return 0.5 * (adjusted + adjusted.T)


def predicted_volatility_path(returns: np.ndarray, half_life: float) -> np.ndarray:
    """One-step-ahead EWMA volatility forecasts ``σ_{t|t-1}`` (``T x K``; row 0 is NaN).

    ``σ²_{t|t-1} = Σ_{s<t} δ^{t-1-s} x_s² / Σ_{s<t} δ^{t-1-s}``, ``δ = 0.5 ** (1/half_life)``,
    zero mean; the forecast for row ``t`` never uses row ``t``.
    """
    x = np.asarray(returns, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    delta = 0.5 ** (1.0 / half_life)
    out = np.full(x.shape, np.nan)
    num = np.zeros(x.shape[1])
    den = 0.0
    for t in range(1, x.shape[0]):
        num = delta * num + x[t - 1] ** 2
        den = delta * den + 1.0
        out[t] = np.sqrt(num / den)
    return out


def volatility_regime_multiplier(
    returns: np.ndarray, predicted_vol: np.ndarray, half_life: float = USE4_VRA_HALF_LIFE
) -> float:
    """Variance multiplier ``λ² = Σ_t w_t (B_t)²`` with the cross-sectional bias statistic
    ``B_t² = mean_k (f_kt / σ_k,t|t-1)²`` and EWMA weights of half-life ``half_life``.

    Rows with any NaN forecast or return are ignored. Multiply a covariance by the result.
    """
    z = np.asarray(returns, dtype=np.float64) / np.asarray(predicted_vol, dtype=np.float64)
    if z.ndim == 1:
        z = z[:, None]
    b2 = np.mean(z**2, axis=1)
    b2 = b2[np.isfinite(b2)]
    if b2.size == 0:
        raise ValueError("No rows with both a return and a volatility forecast.")
    return float(ewma_weights(b2.size, half_life) @ b2)


@dataclass(frozen=True)
class CovarianceConfig:
    """Settings for :func:`estimate_factor_covariance` (USE4 defaults; half-lives in days)."""

    vol_half_life: float = USE4_VOL_HALF_LIFE
    corr_half_life: float = USE4_CORR_HALF_LIFE
    nw_lags: int = 2
    eigen_adjust: bool = False
    eigen_sims: int = 1_000
    eigen_scale: float = USE4_EIGEN_SCALE
    vra: bool = False
    vra_half_life: float = USE4_VRA_HALF_LIFE
    seed: int = 0


@dataclass(frozen=True)
class FactorCovariance:
    """A daily factor covariance estimate ``matrix`` (K x K) for ``factors`` as of ``as_of``."""

    factors: list[str]
    matrix: np.ndarray
    as_of: dt.date
    n_obs: int
    vra_multiplier: float


def estimate_factor_covariance(wide: pl.DataFrame, config: CovarianceConfig | None = None) -> FactorCovariance:
    """Full pipeline on a wide ``date x factor`` frame: EWMA(+NW) → eigenfactor → VRA.

    The estimate is as of the last date in ``wide`` (filter the frame to avoid look-ahead).
    """
    cfg = config or CovarianceConfig()
    data = wide.sort(DATE)
    factors = [c for c in data.columns if c != DATE]
    x = _clean(data.select(factors).to_numpy())
    cov = ewma_covariance(x, vol_half_life=cfg.vol_half_life, corr_half_life=cfg.corr_half_life, nw_lags=cfg.nw_lags)
    if cfg.eigen_adjust:
        cov = eigenfactor_adjust(
            cov,
            x.shape[0],
            n_sims=cfg.eigen_sims,
            scale=cfg.eigen_scale,
            seed=cfg.seed,
            half_life=cfg.corr_half_life,  # simulate with the estimator's own weighting
        )
    multiplier = 1.0
    if cfg.vra:
        multiplier = volatility_regime_multiplier(x, predicted_volatility_path(x, cfg.vol_half_life), cfg.vra_half_life)
        cov = cov * multiplier
    return FactorCovariance(
        factors=factors,
        matrix=cov,
        as_of=data.get_column(DATE)[-1],
        n_obs=x.shape[0],
        vra_multiplier=multiplier,
    )


def _clean(returns: np.ndarray) -> np.ndarray:
    x = np.asarray(returns, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("returns must be a T x K array.")
    x = x[np.all(np.isfinite(x), axis=1)]
    if x.shape[0] < 2:
        raise ValueError("Need at least two complete rows of factor returns.")
    return x


def regime_adjusted_volatility_path(
    returns: np.ndarray, predicted_vol: np.ndarray, half_life: float = USE4_VRA_HALF_LIFE
) -> np.ndarray:
    """One-step-ahead forecasts with the volatility-regime adjustment applied through time.

    ``σ^VRA_{t|t-1} = λ_{t-1} σ_{t|t-1}`` with ``λ²_{t-1} = Σ_{s<t} w_s B_s² / Σ_{s<t} w_s`` the EWMA
    (half-life ``half_life``) of the cross-sectional bias ``B_s² = mean_k (f_ks / σ_k,s|s-1)²``
    up to the previous row, so no forecast uses its own row. Rows before the first finite
    ``B²`` keep the unadjusted forecast. Inputs are ``T x K`` daily returns and forecasts
    (e.g. :func:`predicted_volatility_path`); the output has the same shape.
    """
    x = np.asarray(returns, dtype=np.float64)
    s = np.asarray(predicted_vol, dtype=np.float64)
    if x.ndim == 1:
        x, s = x[:, None], s[:, None]
    b2 = np.mean((x / s) ** 2, axis=1)
    delta = 0.5 ** (1.0 / half_life)
    out = s.copy()
    num = den = 0.0
    for t in range(1, x.shape[0]):
        if np.isfinite(b2[t - 1]):
            num = delta * num + b2[t - 1]
            den = delta * den + 1.0
        if den > 0:
            out[t] = s[t] * np.sqrt(num / den)
    return out
