"""Specific (idiosyncratic) risk: EWMA of squared residuals, Bayesian shrinkage toward the
size-group mean (Menchero / USE4) and a structural fill for names with short histories.

Conventions: residuals are daily decimal specific returns (``date, permno, resid`` from
:func:`risk.analytics.regression.factor_returns`); all volatilities returned are **daily**
(multiply by ``sqrt(quant.periods.periods_per_year("daily"))`` to annualise). Zero mean is
assumed (residuals are mean-zero by construction). EWMA ages are counted in distinct dates of
the frame relative to its last date, so a name that stopped trading gets stale, low weights.
Null or non-finite residuals are ignored (they count neither as observations nor as zeros).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from quant.columns import DATE, PERMNO

SPECIFIC_HALF_LIFE = 84
SHRINKAGE_Q = 0.1
STRUCTURAL_BIAS = 1.05


def ewma_specific_vol(
    residuals: pl.DataFrame | pl.LazyFrame,
    *,
    half_life: float = SPECIFIC_HALF_LIFE,
    resid: str = "resid",
) -> pl.DataFrame:
    """Per-name EWMA specific volatility as of the frame's last date.

    ``σ²_n = Σ_t w_t e²_nt / Σ_t w_t`` over the name's non-null residuals with
    ``w_t = 0.5 ** (age_t / half_life)``, ``age_t`` = number of dates between ``t`` and the last
    date. Returns ``permno, specific_vol, n_obs`` sorted by permno.
    """
    lf = residuals.lazy() if isinstance(residuals, pl.DataFrame) else residuals
    lf = lf.filter(pl.col(resid).is_finite())
    age = pl.col(DATE).rank("dense").max() - pl.col(DATE).rank("dense")
    weight = pl.lit(0.5) ** (age.cast(pl.Float64) / half_life)
    return (
        lf.with_columns(weight.alias("_w"))
        .group_by(PERMNO)
        .agg(
            ((pl.col("_w") * pl.col(resid) ** 2).sum() / pl.col("_w").sum()).sqrt().alias("specific_vol"),
            pl.len().cast(pl.Int64).alias("n_obs"),
        )
        .sort(PERMNO)
        .collect()
    )


def bayesian_shrinkage(
    frame: pl.DataFrame,
    *,
    vol: str = "specific_vol",
    cap: str = "mktcap",
    n_groups: int = 10,
    q: float = SHRINKAGE_Q,
) -> pl.DataFrame:
    """Shrink each name's volatility toward the cap-weighted mean of its size group.

    Size groups are ``n_groups`` equal-count buckets of capitalisation (group 0 smallest).
    ``σ̄_g`` = cap-weighted mean vol in the group, ``Δ_g = sqrt(mean_n (σ_n - σ̄_g)²)``,
    ``v_n = q|σ_n - σ̄_g| / (Δ_g + q|σ_n - σ̄_g|)``, ``σ_SH = v_n σ̄_g + (1 - v_n) σ_n``.
    Adds ``size_group``, ``vol_prior`` and ``shrunk_vol``; rows with null vol or cap are kept
    with null outputs.
    """
    valid = pl.col(vol).is_not_null() & pl.col(cap).is_not_null()
    ranked = frame.with_columns(
        pl.when(valid)
        .then(((pl.col(cap).rank("ordinal") - 1) * n_groups / valid.sum()).floor().cast(pl.Int64))
        .alias("size_group")
    )
    group = pl.col("size_group")
    prior = ((pl.col(cap) * pl.col(vol)).sum() / pl.col(cap).sum()).over(group)
    dev = (pl.col(vol) - pl.col("vol_prior")).abs()
    delta = ((pl.col(vol) - pl.col("vol_prior")) ** 2).mean().sqrt().over(group)
    v = q * dev / (delta + q * dev)
    return (
        ranked.with_columns(pl.when(valid).then(prior).alias("vol_prior"))
        .with_columns(v.fill_nan(0.0).alias("_v"))
        .with_columns((pl.col("_v") * pl.col("vol_prior") + (1 - pl.col("_v")) * pl.col(vol)).alias("shrunk_vol"))
        .drop("_v")
    )


def structural_fill(
    frame: pl.DataFrame,
    *,
    exposures: Sequence[str],
    vol: str = "specific_vol",
    n_obs: str = "n_obs",
    cap: str = "mktcap",
    min_obs: int = 63,
    bias: float = STRUCTURAL_BIAS,
) -> pl.DataFrame:
    """Replace the vol of names with fewer than ``min_obs`` observations by a structural model.

    On names with ``n_obs >= min_obs`` regress ``ln σ_n`` on an intercept and ``exposures``
    (WLS, weights ``sqrt(cap)``); short-history names get ``σ = bias * exp(x_n b)`` (``bias``
    corrects the log-normal downward bias, USE4 uses ≈ 1.05). Adds ``final_vol`` and
    ``structural`` (bool). Names with null exposures keep their own vol.
    """
    cols = list(exposures)
    good = frame.filter((pl.col(n_obs) >= min_obs) & (pl.col(vol) > 0)).drop_nulls([vol, cap, *cols])
    if good.height <= len(cols) + 1:
        raise ValueError(f"Structural model needs more than {len(cols) + 1} names with full history.")
    design = np.column_stack([np.ones(good.height), good.select(cols).to_numpy()])
    sw = good.get_column(cap).to_numpy() ** 0.25  # sqrt of the sqrt(cap) regression weight
    coef, *_ = np.linalg.lstsq(design * sw[:, None], np.log(good.get_column(vol).to_numpy()) * sw, rcond=None)
    fitted = pl.lit(float(coef[0]))
    for c, b in zip(cols, coef[1:], strict=True):
        fitted = fitted + pl.col(c) * float(b)
    short = (pl.col(n_obs).fill_null(0) < min_obs) & pl.all_horizontal(pl.col(c).is_not_null() for c in cols)
    return frame.with_columns(
        pl.when(short).then(bias * fitted.exp()).otherwise(pl.col(vol)).alias("final_vol"),
        short.alias("structural"),
    )
