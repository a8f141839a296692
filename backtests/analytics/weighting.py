"""Signal -> portfolio weights for one cross-section.

Each function takes a 1-D float array of signal values over the panel's names (NaN = not
eligible: outside the universe or no signal) and returns weights of the same shape (0 where not
held). Ties are broken by position (a stable sort), so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Weighting = Callable[[np.ndarray], np.ndarray]


def _eligible_order(signal: np.ndarray) -> np.ndarray:
    """Indices of eligible names sorted by ascending signal (stable)."""
    idx = np.flatnonzero(~np.isnan(signal))
    return idx[np.argsort(signal[idx], kind="stable")]


def quantile_long_short(signal: np.ndarray, *, quantile: float = 0.1, leg_weight: float = 1.0) -> np.ndarray:
    """Long the top ``quantile`` of names, short the bottom, equal-weighted within each leg.

    Each leg holds ``k = max(1, floor(n * quantile))`` names out of ``n`` eligible ones; the long
    leg sums to ``+leg_weight`` and the short leg to ``-leg_weight`` (dollar neutral, gross
    ``2 * leg_weight``). Fewer than two eligible names -> all zero.
    """
    w = np.zeros_like(signal, dtype=float)
    order = _eligible_order(signal)
    n = order.size
    if n < 2:
        return w
    k = max(1, int(np.floor(n * quantile + 1e-12)))
    k = min(k, n // 2)
    w[order[-k:]] = leg_weight / k
    w[order[:k]] = -leg_weight / k
    return w


def decile_long_short(signal: np.ndarray) -> np.ndarray:
    """Top-decile minus bottom-decile portfolio (:func:`quantile_long_short` with 0.1)."""
    return quantile_long_short(signal, quantile=0.1)


def top_n_long_only(signal: np.ndarray, *, n: int = 50) -> np.ndarray:
    """Equal weights ``1/m`` on the ``m = min(n, eligible)`` highest-signal names; fully invested."""
    w = np.zeros_like(signal, dtype=float)
    order = _eligible_order(signal)
    chosen = order[-n:] if order.size else order
    if chosen.size:
        w[chosen] = 1.0 / chosen.size
    return w


def rank_weighted(signal: np.ndarray, *, leg_weight: float = 1.0) -> np.ndarray:
    """Weights proportional to demeaned cross-sectional ranks, scaled so each leg sums to ``leg_weight``.

    Ranks are 1..n (average rank for ties, scipy's ``rankdata``); ``w ∝ rank - mean(rank)``, so the
    portfolio is dollar neutral with gross exposure ``2 * leg_weight``.
    """
    from scipy.stats import rankdata

    w = np.zeros_like(signal, dtype=float)
    idx = np.flatnonzero(~np.isnan(signal))
    if idx.size < 2:
        return w
    centred = rankdata(signal[idx]) - (idx.size + 1) / 2.0
    long_sum = centred[centred > 0].sum()
    if long_sum > 0:
        w[idx] = centred * (leg_weight / long_sum)
    return w
