"""Quantile (bucket) analytics for cross-sectional signals (long-format API over the dense core).

Bucketing: per date, signal values are ranked with average ties (rank 1 = lowest) and bucket
``ceil(rank * q / n)`` (clipped to 1..q) is assigned, i.e. ``qcut`` on ranks into equal-count
buckets; tied values always share a bucket. Bucket 1 = lowest signal, bucket q = highest.
Dates with fewer than ``q`` valid signal values get no bucket. Null/non-finite values are
dropped before ranking.

Every metric is computed once, by the row-wise kernels of :mod:`research.analytics.rowstats` on
the inputs pivoted to ``dates × assets`` matrices; the frames returned here are unchanged.

Returns are simple forward returns (decimal, per horizon, not annualised) as produced by
:func:`research.analytics.ic.forward_returns`; a bucket's return is the equal-weighted mean of its
members' forward returns on that date (members without a forward return are left out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from research.analytics import dense, rowstats


def _long(m: dense.Matrix, mask: np.ndarray, **columns: np.ndarray) -> pl.DataFrame:
    """Cells of ``mask`` as a long frame ``date, asset, <columns>`` sorted by date, asset."""
    r, c = np.nonzero(mask)
    return pl.DataFrame(
        {"date": m.dates.gather(r), "asset": m.assets.gather(c)} | {k: v[r, c] for k, v in columns.items()}
    )


def assign_quantiles(signal: pl.DataFrame, q: int) -> pl.DataFrame:
    """``date, asset, value, quantile`` (Int64 1..q) for dates with at least ``q`` valid values."""
    if q < 2:
        raise ValueError("q must be at least 2")
    sig = dense.pivot(signal, "value")
    b = rowstats.buckets(rowstats.row_ranks(sig.values), q)
    return _long(sig, b > 0, value=sig.values, quantile=b)


@dataclass(frozen=True)
class QuantileReturns:
    """Per-date bucket returns and their time-series means.

    ``by_date``: ``date, quantile, mean_ret, n``; ``mean``: ``quantile, mean_ret, n_dates``;
    ``long_short``: ``date, long_short`` (top bucket minus bottom bucket, dates having both);
    ``long_short_mean``: its mean (simple, per horizon, not annualised).
    """

    by_date: pl.DataFrame
    mean: pl.DataFrame
    long_short: pl.DataFrame
    long_short_mean: float | None


def returns_by_bucket(dates: pl.Series, means: np.ndarray, counts: np.ndarray, q: int) -> QuantileReturns:
    """:class:`QuantileReturns` from dense per-date bucket means / counts (``(dates, q)`` arrays)."""
    r, k = np.nonzero(counts > 0)
    by_date = pl.DataFrame(
        {"date": dates.gather(r), "quantile": (k + 1).astype(np.int64), "mean_ret": means[r, k],
         "n": counts[r, k].astype(np.int64)}
    )  # fmt: skip
    mean = (
        by_date.group_by("quantile")
        .agg(pl.col("mean_ret").mean(), pl.len().cast(pl.Int64).alias("n_dates"))
        .sort("quantile")
    )
    both = (counts[:, 0] > 0) & (counts[:, q - 1] > 0)
    long_short = pl.DataFrame(
        {"date": dates.filter(pl.Series(both)), "long_short": means[both, q - 1] - means[both, 0]},
        schema={"date": pl.Date, "long_short": pl.Float64},
    )
    ls_mean = float(long_short["long_short"].mean()) if long_short.height else None  # type: ignore[arg-type]
    return QuantileReturns(by_date, mean, long_short, ls_mean)


def quantile_returns(signal: pl.DataFrame, fwd: pl.DataFrame, q: int) -> QuantileReturns:
    """Mean forward return per signal bucket and the top-minus-bottom spread.

    Buckets are formed on the (date, asset) pairs where both signal and forward return exist,
    so every bucket's return uses the same assets as the IC.
    """
    if q < 2:
        raise ValueError("q must be at least 2")
    sig = dense.pivot(signal, "value")
    fwd_m = dense.align(fwd, "fwd_ret", sig.dates, sig.assets)
    arrays = rowstats.horizon_arrays(sig.values, fwd_m, q=q)
    return returns_by_bucket(sig.dates, arrays.bucket_mean, arrays.bucket_count, q)  # type: ignore[arg-type]


def quantile_turnover(signal: pl.DataFrame, q: int, *, bucket: int) -> pl.DataFrame:
    """Membership turnover of one bucket between consecutive signal dates.

    ``turnover_t = 1 - |S_t ∩ S_{t-1}| / |S_t|`` where ``S_t`` is the set of assets in ``bucket``
    on the t-th signal date (the previous date is the previous date of the signal file, not a
    calendar day). The first date, and dates where ``S_t`` or ``S_{t-1}`` is empty, have no
    turnover. Returns ``date, turnover``.
    """
    if q < 2:
        raise ValueError("q must be at least 2")
    sig = dense.pivot(signal, "value")
    turnover = rowstats.bucket_turnover(rowstats.row_ranks(sig.values), q, bucket)
    keep = np.isfinite(turnover)
    return pl.DataFrame({"date": sig.dates.filter(pl.Series(keep)), "turnover": turnover[keep]})


def rank_autocorrelation(signal: pl.DataFrame, *, lag: int = 1) -> pl.DataFrame:
    """Cross-sectional rank autocorrelation of the signal at ``lag`` signal dates.

    Per date t: Pearson correlation of the assets' within-date ranks (average ties) at t and at
    t - lag, over assets present (non-null) on both dates; null when fewer than 3 assets or zero
    variance. Ranks are computed on each date's full cross-section. Dates sharing no asset with
    t - lag are left out. Returns ``date, autocorr``.
    """
    sig = dense.pivot(signal, "value")
    corr, n = rowstats.lagged_pearson(rowstats.row_ranks(sig.values), lag)
    keep = n > 0
    return pl.DataFrame(
        {"date": sig.dates.filter(pl.Series(keep)), "autocorr": corr[keep]},
        schema={"date": pl.Date, "autocorr": pl.Float64},
    ).with_columns(pl.col("autocorr").fill_nan(None))
