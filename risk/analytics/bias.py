"""Bias statistics for risk forecasts.

The bias statistic of a return series against its volatility forecasts is the sample standard
deviation (ddof=1) of the standardised returns ``z_t = r_t / σ_{t|t-1}``; a well-specified
forecast has ``b ≈ 1``, with an approximate 95 % band ``1 ± sqrt(2/T)`` for ``T`` observations
(normal returns). Alignment: ``σ_{t|t-1}`` must be the forecast made at the close of ``t-1``
(e.g. :func:`risk.analytics.covariance.predicted_volatility_path`); this module never shifts.
Units: both inputs at the same (daily) horizon; no annualisation. Pairs where either value is
null, non-finite or the forecast is not positive are dropped.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from quant.columns import DATE


def bias_statistic(returns: np.ndarray, forecast_vol: np.ndarray) -> float:
    """Bias statistic ``std(r_t / σ_{t|t-1}, ddof=1)`` over all valid pairs."""
    r = np.asarray(returns, dtype=np.float64)
    s = np.asarray(forecast_vol, dtype=np.float64)
    ok = np.isfinite(r) & np.isfinite(s) & (s > 0)
    if ok.sum() < 2:
        raise ValueError("Need at least two valid (return, forecast) pairs.")
    return float(np.std(r[ok] / s[ok], ddof=1))


def bias_confidence_band(n_obs: int) -> tuple[float, float]:
    """Approximate 95 % band ``1 ± sqrt(2/n)`` for the bias statistic of normal returns."""
    half = float(np.sqrt(2.0 / n_obs))
    return 1.0 - half, 1.0 + half


def rolling_bias(
    frame: pl.DataFrame,
    *,
    window: int,
    ret: str = "ret",
    forecast: str = "forecast_vol",
    by: str | None = None,
) -> pl.DataFrame:
    """Rolling bias statistic over ``window`` rows per series (ordered by date).

    ``frame`` has ``date, ret, forecast_vol`` (and ``by``, e.g. a portfolio or factor name, for
    many series). Returns ``[by,] date, bias`` where ``bias`` is null until ``window`` valid
    standardised returns are available.
    """
    valid = pl.col(forecast).is_finite() & (pl.col(forecast) > 0) & pl.col(ret).is_finite()
    z = pl.when(valid).then(pl.col(ret) / pl.col(forecast))
    keys = [by] if by else []
    roll = pl.col("_z").rolling_std(window, min_samples=window, ddof=1)
    return (
        frame.sort([*keys, DATE])
        .with_columns(z.alias("_z"))
        .with_columns((roll.over(by) if by else roll).alias("bias"))
        .select(*keys, DATE, "bias")
    )
