"""Cross-sectional processing of descriptors: winsorise, standardise, neutralise, fill, combine.

Every function returns a polars expression computed **within one date**. Functions named
``*_expr`` take the grouping as an argument and already include ``.over(...)``; apply them with
``df.with_columns(...)``. Conventions (Barra):

* Winsorising: ``quantile`` clips at the per-date ``lower``/``upper`` quantiles (linear
  interpolation, as numpy's default); ``mad`` clips at ``median ± k * 1.4826 * MAD`` (1.4826 makes
  the MAD a consistent estimate of the normal standard deviation).
* Standardising: subtract the **cap-weighted** mean and divide by the **equal-weighted** standard
  deviation (ddof=1), so the cap-weighted market portfolio has zero exposure.
* Sector neutralisation: subtract the (optionally weighted) mean within date x sector, which is
  the WLS regression of the descriptor on sector dummies (the residual is returned).
* Missing values: nulls are ignored by every statistic; after standardising, a missing exposure
  is filled with its date x sector median of standardised values, then 0 (the cap-weighted mean)
  when the whole sector is missing. :func:`missing_counts` reports how many were filled.
* Composites: weighted sum of standardised descriptors with weights renormalised over the
  descriptors present for each row, then re-standardised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import polars as pl

from quant.columns import DATE

MAD_TO_SIGMA = 1.4826


def winsorize_quantile_expr(col: str, lower: float = 0.01, upper: float = 0.99, by: str = DATE) -> pl.Expr:
    """Clip ``col`` to its per-``by`` ``[lower, upper]`` quantiles (linear interpolation)."""
    x = pl.col(col)
    lo = x.quantile(lower, interpolation="linear").over(by)
    hi = x.quantile(upper, interpolation="linear").over(by)
    return x.clip(lo, hi)


def winsorize_mad_expr(col: str, n_mad: float = 5.0, by: str = DATE) -> pl.Expr:
    """Clip ``col`` to ``median ± n_mad * 1.4826 * MAD`` within each ``by`` group."""
    x = pl.col(col)
    med = x.median().over(by)
    mad = (x - x.median()).abs().median().over(by) * MAD_TO_SIGMA
    return x.clip(med - n_mad * mad, med + n_mad * mad)


def standardize_expr(col: str, weight: str | None = "mktcap", by: str | Sequence[str] = DATE) -> pl.Expr:
    """``(x - mean_w(x)) / std(x)``: weighted mean (by ``weight``; equal if None), equal-weighted
    std with ddof=1, both over the non-null ``x`` of each ``by`` group."""
    x = pl.col(col)
    if weight is None:
        mean = x.mean()
    else:
        w = pl.when(x.is_not_null()).then(pl.col(weight))
        mean = (x * w).sum() / w.sum()
    return ((x - mean) / x.std(ddof=1)).over(by)


def sector_neutralize_expr(col: str, sector: str = "sector", weight: str | None = None, by: str = DATE) -> pl.Expr:
    """Residual of ``col`` after removing the (weighted) mean within ``by`` x ``sector``."""
    x = pl.col(col)
    if weight is None:
        mean = x.mean()
    else:
        w = pl.when(x.is_not_null()).then(pl.col(weight))
        mean = (x * w).sum() / w.sum()
    return x - mean.over([by, sector])


def fill_missing_expr(
    col: str,
    method: Literal["sector_median", "zero"] = "sector_median",
    sector: str = "sector",
    by: str = DATE,
) -> pl.Expr:
    """Fill nulls in a **standardised** column: date x sector median (then 0), or 0."""
    x = pl.col(col)
    if method == "zero":
        return x.fill_null(0.0)
    return x.fill_null(x.median().over([by, sector])).fill_null(0.0)


def missing_counts(frame: pl.DataFrame, columns: Sequence[str], by: str = DATE) -> pl.DataFrame:
    """Long ``date, column, n_missing, n_total`` counts of nulls per date (before filling)."""
    return (
        frame.group_by(by)
        .agg(*(pl.col(c).null_count().alias(c) for c in columns), pl.len().alias("n_total"))
        .unpivot(index=[by, "n_total"], on=list(columns), variable_name="column", value_name="n_missing")
        .select(by, "column", pl.col("n_missing").cast(pl.Int64), pl.col("n_total").cast(pl.Int64))
        .sort(by, "column")
    )


def process_descriptors(
    frame: pl.DataFrame,
    columns: Sequence[str],
    *,
    cap: str = "mktcap",
    sector: str = "sector",
    winsor: Literal["mad", "quantile"] = "mad",
    n_mad: float = 5.0,
    quantiles: tuple[float, float] = (0.01, 0.99),
    neutralize: bool = False,
    fill: Literal["sector_median", "zero"] = "sector_median",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Full pipeline per date: winsorise → (sector-neutralise) → standardise → fill missing.

    Returns ``(processed frame, missing counts before filling)``.
    """
    cols = list(columns)
    if winsor == "mad":
        out = frame.with_columns(winsorize_mad_expr(c, n_mad).alias(c) for c in cols)
    else:
        out = frame.with_columns(winsorize_quantile_expr(c, *quantiles).alias(c) for c in cols)
    if neutralize:
        out = out.with_columns(sector_neutralize_expr(c, sector).alias(c) for c in cols)
    out = out.with_columns(standardize_expr(c, cap).alias(c) for c in cols)
    report = missing_counts(out, cols)
    out = out.with_columns(fill_missing_expr(c, fill, sector).alias(c) for c in cols)
    return out, report
