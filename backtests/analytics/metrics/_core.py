"""Input coercion and the missing-value policy shared by every metric.

Policy (as in R's PerformanceAnalytics): NaN / null returns are *dropped*, never treated as a zero
return and never counted as a period. Benchmark-relative metrics keep only the periods where both
series are present.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeAlias

import numpy as np
import polars as pl

from quant.periods import TRADING_DAYS_PER_YEAR

ReturnsLike: TypeAlias = "pl.Series | np.ndarray | Sequence[float | None]"
Compounding: TypeAlias = Literal["geometric", "arithmetic"]

#: Default annualisation factor (daily data); always overridable with ``periods_per_year``.
DEFAULT_PERIODS_PER_YEAR: int = TRADING_DAYS_PER_YEAR


def as_array(values: ReturnsLike | float) -> np.ndarray:
    """Return ``values`` as a 1-D float64 array with nulls mapped to NaN (nothing dropped yet)."""
    if isinstance(values, pl.Series):
        return values.cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64, copy=True)
    arr = np.asarray(values, dtype=object if not isinstance(values, np.ndarray) else None)
    if arr.dtype == object:
        arr = np.array([np.nan if v is None else v for v in arr.ravel()], dtype=np.float64)
    return np.atleast_1d(arr.astype(np.float64))


def clean(values: ReturnsLike) -> tuple[np.ndarray, int]:
    """Drop NaN/null returns. Returns ``(finite_values, n_missing)``."""
    arr = as_array(values)
    mask = np.isnan(arr)
    return arr[~mask], int(mask.sum())


def broadcast(other: ReturnsLike | float, n: int) -> np.ndarray:
    """A scalar or per-period series (risk-free, required return, benchmark) as an array of length n."""
    arr = as_array(other)
    if arr.size == 1:
        return np.full(n, arr[0])
    if arr.size != n:
        raise ValueError(f"series lengths differ: {arr.size} vs {n}; align them by date first")
    return arr


def align_pair(returns: ReturnsLike, other: ReturnsLike | float) -> tuple[np.ndarray, np.ndarray, int]:
    """Positionally aligned pair with rows where either side is NaN dropped.

    Both inputs must describe the same dates in the same order (a scalar ``other`` is broadcast).
    Returns ``(returns, other, n_dropped)``.
    """
    r = as_array(returns)
    o = broadcast(other, r.size)
    keep = ~(np.isnan(r) | np.isnan(o))
    return r[keep], o[keep], int((~keep).sum())


def excess(returns: ReturnsLike, risk_free: ReturnsLike | float) -> np.ndarray:
    """Per-period excess returns ``r - rf`` over the periods where both are present."""
    r, rf, _ = align_pair(returns, risk_free)
    return r - rf


def safe_ratio(num: float, den: float) -> float:
    """num/den with IEEE semantics: +-inf for a non-zero numerator over 0, NaN for 0/0 or NaN input."""
    if np.isnan(num) or np.isnan(den):
        return float("nan")
    if den == 0.0:
        return float("nan") if num == 0.0 else float(np.sign(num) * np.inf)
    return float(num / den)
