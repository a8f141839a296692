"""Backtest-overfitting diagnostics: PBO by CSCV and the (probabilistic / deflated) Sharpe ratio.

References
----------
* Bailey, Borwein, López de Prado & Zhu (2015), "The Probability of Backtest Overfitting",
  Journal of Computational Finance 20(4) — combinatorially symmetric cross-validation (CSCV).
* Bailey & López de Prado (2012), "The Sharpe Ratio Efficient Frontier" (PSR);
  Bailey & López de Prado (2014), "The Deflated Sharpe Ratio", JPM 40(5).

Sharpe ratios here are *per period* (not annualised) unless stated: divide an annualised SR by
``sqrt(periods_per_year)`` (and its variance by ``periods_per_year``) first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy import stats

from .metrics import sharpe_ratio_columns

EULER_MASCHERONI = 0.5772156649015329

ColumnMetric = Callable[[np.ndarray], np.ndarray]


def _per_period_sharpe(block: np.ndarray) -> np.ndarray:
    return sharpe_ratio_columns(block, periods_per_year=1)


@dataclass(frozen=True, slots=True)
class PBOResult:
    """``pbo`` = share of the C(S, S/2) splits whose in-sample winner ranks at or below the
    out-of-sample median (logit <= 0); ``logits`` per split; ``is_best``/``oos_of_best``: the
    winner's in- and out-of-sample metric per split (for the degradation regression);
    ``prob_oos_loss``: share of splits where the winner's OOS metric is negative;
    ``degradation_slope``: OLS slope of the winner's OOS metric on its IS metric across splits
    (negative = the better it looked in sample, the worse out of sample)."""

    pbo: float
    logits: np.ndarray
    is_best: np.ndarray
    oos_of_best: np.ndarray
    prob_oos_loss: float
    degradation_slope: float
    n_splits: int
    n_blocks: int


def probability_of_backtest_overfitting(
    returns: np.ndarray, *, n_blocks: int = 16, metric: ColumnMetric = _per_period_sharpe
) -> PBOResult:
    """PBO of selecting the best of N strategies by CSCV (Bailey et al. 2015).

    Parameters
    ----------
    returns : ``(T, N)`` per-period returns of N candidate strategies on the same T dates
        (no missing values; trailing ``T mod n_blocks`` rows are dropped so blocks are equal).
    n_blocks : S, an even number of contiguous row blocks; every combination of S/2 blocks is
        an in-sample set and its complement the out-of-sample set (C(S, S/2) splits).
    metric : column-wise performance measure; default the per-period Sharpe ratio (ddof=1).

    The relative OOS rank of the IS winner is ``w = rank / (N + 1)`` (ranks 1..N, ties averaged)
    and its logit ``log(w / (1 - w))``; PBO is the share of splits with logit <= 0.
    """
    x = np.asarray(returns, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError("returns must be a (T, N) matrix with N >= 2 strategies")
    if n_blocks < 2 or n_blocks % 2:
        raise ValueError("n_blocks must be an even number >= 2")
    size = x.shape[0] // n_blocks
    if size < 2:
        raise ValueError(f"need at least {2 * n_blocks} rows for {n_blocks} blocks")
    blocks = x[: size * n_blocks].reshape(n_blocks, size, x.shape[1])
    n = x.shape[1]
    logits, is_best, oos_best = [], [], []
    for chosen in combinations(range(n_blocks), n_blocks // 2):
        mask = np.zeros(n_blocks, dtype=bool)
        mask[list(chosen)] = True
        is_perf = metric(blocks[mask].reshape(-1, n))
        oos_perf = metric(blocks[~mask].reshape(-1, n))
        best = int(np.nanargmax(is_perf))
        w = stats.rankdata(oos_perf)[best] / (n + 1)
        logits.append(np.log(w / (1 - w)))
        is_best.append(is_perf[best])
        oos_best.append(oos_perf[best])
    lg, ins, oos = np.array(logits), np.array(is_best), np.array(oos_best)
    slope = float(stats.linregress(ins, oos).slope) if np.ptp(ins) > 0 else float("nan")
    return PBOResult(
        pbo=float(np.mean(lg <= 0)),
        logits=lg,
        is_best=ins,
        oos_of_best=oos,
        prob_oos_loss=float(np.mean(oos < 0)),
        degradation_slope=slope,
        n_splits=lg.size,
        n_blocks=n_blocks,
    )


def expected_max_sharpe(n_trials: int, sr_variance: float, *, mean_sharpe: float = 0.0) -> float:
    """Expected maximum of ``n_trials`` independent Sharpe estimates (false-strategy theorem).

    ``E[max] ≈ mean + sqrt(V) * ((1 - γ) Φ⁻¹(1 - 1/N) + γ Φ⁻¹(1 - 1/(N e)))`` with γ the
    Euler-Mascheroni constant; 0 extra for a single trial. Units follow ``sr_variance``.
    """
    if n_trials < 1 or sr_variance < 0:
        raise ValueError("n_trials >= 1 and sr_variance >= 0 required")
    if n_trials == 1:
        return float(mean_sharpe)
    g = EULER_MASCHERONI
    z = (1 - g) * stats.norm.ppf(1 - 1 / n_trials) + g * stats.norm.ppf(1 - 1 / (n_trials * np.e))
    return float(mean_sharpe + np.sqrt(sr_variance) * z)


def probabilistic_sharpe_ratio(
    sharpe: float, *, benchmark: float = 0.0, n_obs: int, skew: float = 0.0, kurtosis: float = 3.0
) -> float:
    """PSR: probability that the true per-period Sharpe exceeds ``benchmark``.

    ``Φ((SR - SR*) sqrt(T - 1) / sqrt(1 - γ3 SR + (γ4 - 1)/4 SR²))`` with ``γ3`` the skewness
    and ``γ4`` the (non-excess) kurtosis of the returns, both per period.
    """
    denom = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if n_obs < 2 or denom <= 0:
        return float("nan")
    return float(stats.norm.cdf((sharpe - benchmark) * np.sqrt(n_obs - 1) / np.sqrt(denom)))


@dataclass(frozen=True, slots=True)
class DeflatedSharpe:
    """DSR (a probability), the deflated benchmark ``sr0`` = expected max SR, and inputs."""

    dsr: float
    sr0: float
    sharpe: float
    n_trials: int
    n_obs: int


def deflated_sharpe_ratio(
    sharpe: float,
    *,
    n_trials: int,
    sr_variance: float,
    n_obs: int,
    skew: float = 0.0,
    kurtosis: float = 3.0,
) -> DeflatedSharpe:
    """Deflated Sharpe ratio (Bailey & López de Prado 2014): PSR against the expected maximum
    Sharpe of ``n_trials`` trials whose per-period Sharpe estimates have variance ``sr_variance``."""
    sr0 = expected_max_sharpe(n_trials, sr_variance)
    dsr = probabilistic_sharpe_ratio(sharpe, benchmark=sr0, n_obs=n_obs, skew=skew, kurtosis=kurtosis)
    return DeflatedSharpe(dsr, sr0, float(sharpe), n_trials, n_obs)


def deflated_sharpe_from_trials(trial_returns: np.ndarray) -> DeflatedSharpe:
    """DSR of the best column of a ``(T, N)`` matrix of trial returns.

    Uses the per-period Sharpe of each trial, their cross-trial variance (ddof=1), and the
    selected trial's sample skewness and (non-excess) kurtosis (bias-corrected, scipy).
    """
    x = np.asarray(trial_returns, dtype=float)
    srs = sharpe_ratio_columns(x, periods_per_year=1)
    best = int(np.nanargmax(srs))
    r = x[:, best][~np.isnan(x[:, best])]
    return deflated_sharpe_ratio(
        float(srs[best]),
        n_trials=x.shape[1],
        sr_variance=float(np.nanvar(srs, ddof=1)),
        n_obs=r.size,
        skew=float(stats.skew(r, bias=False)),
        kurtosis=float(stats.kurtosis(r, fisher=False, bias=False)),
    )
