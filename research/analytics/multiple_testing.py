"""Multiple-testing controls for many candidate signals (pure numpy / polars).

Only p-value adjustments, the t > 3 hurdle and the in/out-of-sample split live here; the deflated
Sharpe ratio belongs to the backtest metrics module.

* Bonferroni: ``min(1, m p_i)``.
* Holm (step-down): sort ascending, ``p_(i) * (m - i + 1)``, running maximum, capped at 1.
* Benjamini-Hochberg (FDR, step-up): sort ascending, ``p_(i) * m / i``, running minimum from
  the largest p, capped at 1.
All return adjusted p-values in the input order (they match
``statsmodels.stats.multitest.multipletests``); NaN inputs are rejected.
* Harvey, Liu & Zhu (2016, "... and the Cross-Section of Expected Returns", RFS) argue a new
  factor needs |t| > 3.0 rather than 2.0; :func:`passes_hurdle` flags it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from scipy import stats

Method = Literal["bonferroni", "holm", "bh"]
HLZ_T_HURDLE = 3.0


def _as_pvalues(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError("pvalues must be a non-empty 1-d sequence")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("pvalues must lie in [0, 1] without NaN")
    return p


def adjust_pvalues(pvalues: Sequence[float] | np.ndarray, method: Method) -> np.ndarray:
    """Adjusted p-values (input order) for ``bonferroni``, ``holm`` or ``bh``."""
    p = _as_pvalues(pvalues)
    m = p.size
    if method == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(p, kind="mergesort")
    ranked = p[order]
    i = np.arange(1, m + 1)
    if method == "holm":
        adj = np.minimum(np.maximum.accumulate(ranked * (m - i + 1)), 1.0)
    elif method == "bh":
        adj = np.minimum(np.minimum.accumulate((ranked * m / i)[::-1])[::-1], 1.0)
    else:
        raise ValueError(f"unknown method {method!r}; choose bonferroni, holm or bh")
    out = np.empty(m)
    out[order] = adj
    return out


def t_to_pvalue(t_stats: Sequence[float] | np.ndarray, dof: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """Two-sided p-values of t-statistics (Student t with ``dof``; normal when ``dof`` is None)."""
    t = np.abs(np.asarray(t_stats, dtype=np.float64))
    if dof is None:
        return 2.0 * stats.norm.sf(t)
    return 2.0 * stats.t.sf(t, np.asarray(dof, dtype=np.float64))


def passes_hurdle(t_stats: Sequence[float] | np.ndarray, hurdle: float = HLZ_T_HURDLE) -> np.ndarray:
    """Boolean flags ``|t| > hurdle`` (default 3.0, Harvey-Liu-Zhu 2016)."""
    return np.abs(np.asarray(t_stats, dtype=np.float64)) > hurdle


def multiple_testing_table(
    names: Sequence[str], t_stats: Sequence[float], dof: Sequence[float] | None = None, *, alpha: float = 0.05
) -> pl.DataFrame:
    """One row per tested signal: ``name, t_stat, p_value, p_bonferroni, p_holm, p_bh,
    significant_bh`` (adjusted p < ``alpha``) and ``passes_t3``."""
    p = t_to_pvalue(t_stats, dof)
    bh = adjust_pvalues(p, "bh")
    return pl.DataFrame(
        {
            "name": list(names),
            "t_stat": np.asarray(t_stats, dtype=np.float64),
            "p_value": p,
            "p_bonferroni": adjust_pvalues(p, "bonferroni"),
            "p_holm": adjust_pvalues(p, "holm"),
            "p_bh": bh,
            "significant_bh": bh < alpha,
            "passes_t3": passes_hurdle(t_stats),
        }
    )


@dataclass(frozen=True)
class Split:
    """In-sample dates (``<= cutoff``) and out-of-sample dates (``> cutoff``)."""

    cutoff: dt.date
    in_sample: pl.Series
    out_of_sample: pl.Series


def oos_split(
    dates: pl.Series, *, fraction: float | None = None, cutoff: dt.date | None = None, embargo: int = 0
) -> Split:
    """Split the sorted unique ``dates`` chronologically.

    Give either ``fraction`` (share of dates in sample, 0 < f < 1; cutoff = last in-sample date)
    or ``cutoff``. ``embargo`` removes that many dates right after the cutoff from the
    out-of-sample set, so forward returns of in-sample signals (horizon h: use embargo = h)
    never overlap the test period.
    """
    if (fraction is None) == (cutoff is None):
        raise ValueError("give exactly one of fraction or cutoff")
    uniq = dates.unique().sort()
    if fraction is not None:
        if not 0 < fraction < 1:
            raise ValueError("fraction must be in (0, 1)")
        k = max(1, int(np.floor(uniq.len() * fraction)))
        cutoff = uniq[k - 1]
    ins = uniq.filter(uniq <= cutoff)
    oos = uniq.filter(uniq > cutoff).slice(embargo)
    if ins.is_empty() or oos.is_empty():
        raise ValueError("the split leaves an empty in-sample or out-of-sample period")
    return Split(cutoff=cutoff, in_sample=ins, out_of_sample=oos)  # type: ignore[arg-type]
