"""Quantile (bucket) returns of cross-sectional signals from the dense kernels (used by the tear sheet).

Bucketing: per date, signal values are ranked with average ties (rank 1 = lowest) and bucket
``ceil(rank * q / n)`` (clipped to 1..q) is assigned, i.e. ``qcut`` on ranks into equal-count
buckets; tied values always share a bucket. Bucket 1 = lowest signal, bucket q = highest.
Dates with fewer than ``q`` valid signal values get no bucket. Null/non-finite values are
dropped before ranking.

Buckets and their means are computed by the row-wise kernels of :mod:`research.analytics.rowstats`
on ``dates × assets`` matrices (:func:`research.analytics.tearsheet.tear_sheet`); this module turns
them into frames.

Returns are simple forward returns (decimal, per horizon, not annualised) as produced by
:func:`research.analytics.ic.forward_returns`; a bucket's return is the equal-weighted mean of its
members' forward returns on that date (members without a forward return are left out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


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
