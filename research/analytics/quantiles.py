"""Quantile (bucket) analytics for cross-sectional signals (pure polars).

Bucketing: per date, signal values are ranked with average ties (rank 1 = lowest) and bucket
``ceil(rank * q / n)`` (clipped to 1..q) is assigned, i.e. ``qcut`` on ranks into equal-count
buckets; tied values always share a bucket. Bucket 1 = lowest signal, bucket q = highest.
Dates with fewer than ``q`` valid signal values get no bucket. Null/non-finite values are
dropped before ranking.

Returns are simple forward returns (decimal, per horizon, not annualised) as produced by
:func:`research.analytics.ic.forward_returns`; a bucket's return is the equal-weighted mean of its
members' forward returns on that date (members without a forward return are left out).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from research.analytics.ic import paired


def assign_quantiles(signal: pl.DataFrame, q: int) -> pl.DataFrame:
    """``date, asset, value, quantile`` (Int64 1..q) for dates with at least ``q`` valid values."""
    if q < 2:
        raise ValueError("q must be at least 2")
    valid = signal.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    n = pl.len().over("date")
    rank = pl.col("value").rank("average").over("date")
    return (
        valid.filter(n >= q)
        .with_columns((rank * q / n).ceil().clip(1, q).cast(pl.Int64).alias("quantile"))
        .select("date", "asset", "value", "quantile")
        .sort("date", "asset")
    )


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


def quantile_returns(signal: pl.DataFrame, fwd: pl.DataFrame, q: int) -> QuantileReturns:
    """Mean forward return per signal bucket and the top-minus-bottom spread.

    Buckets are formed on the (date, asset) pairs where both signal and forward return exist,
    so every bucket's return uses the same assets as the IC.
    """
    pairs = paired(signal, fwd)
    buckets = assign_quantiles(pairs.select("date", "asset", "value"), q).join(
        pairs.select("date", "asset", "fwd_ret"), on=["date", "asset"]
    )
    by_date = (
        buckets.group_by("date", "quantile")
        .agg(pl.col("fwd_ret").mean().alias("mean_ret"), pl.len().cast(pl.Int64).alias("n"))
        .sort("date", "quantile")
    )
    mean = (
        by_date.group_by("quantile")
        .agg(pl.col("mean_ret").mean(), pl.len().cast(pl.Int64).alias("n_dates"))
        .sort("quantile")
    )
    wide = by_date.filter(pl.col("quantile").is_in([1, q])).pivot(
        on="quantile", index="date", values="mean_ret"
    )
    if {"1", str(q)} <= set(wide.columns):
        long_short = wide.select("date", (pl.col(str(q)) - pl.col("1")).alias("long_short")).drop_nulls()
    else:
        long_short = pl.DataFrame(schema={"date": pl.Date, "long_short": pl.Float64})
    ls_mean = long_short["long_short"].mean() if long_short.height else None
    return QuantileReturns(by_date, mean, long_short.sort("date"), ls_mean)  # type: ignore[arg-type]


def quantile_turnover(signal: pl.DataFrame, q: int, *, bucket: int) -> pl.DataFrame:
    """Membership turnover of one bucket between consecutive signal dates.

    ``turnover_t = 1 - |S_t ∩ S_{t-1}| / |S_t|`` where ``S_t`` is the set of assets in ``bucket``
    on the t-th signal date (the previous date is the previous date of the signal file, not a
    calendar day). The first date has no turnover. Returns ``date, turnover``.
    """
    members = assign_quantiles(signal, q).filter(pl.col("quantile") == bucket).select("date", "asset")
    dates = signal.select(pl.col("date").unique().sort()).with_row_index("idx")
    members = members.join(dates, on="date")
    previous = members.select((pl.col("idx") + 1).alias("idx"), "asset", pl.lit(True).alias("kept"))
    joined = members.join(previous, on=["idx", "asset"], how="left")
    counts = joined.group_by("date", "idx").agg(
        pl.len().alias("size"), pl.col("kept").fill_null(False).sum().alias("kept")
    )
    has_previous = counts.join(
        members.select((pl.col("idx") + 1).alias("idx")).unique(), on="idx", how="semi"
    )
    return has_previous.select("date", (1.0 - pl.col("kept") / pl.col("size")).alias("turnover")).sort("date")


def rank_autocorrelation(signal: pl.DataFrame, *, lag: int = 1) -> pl.DataFrame:
    """Cross-sectional rank autocorrelation of the signal at ``lag`` signal dates.

    Per date t: Pearson correlation of the assets' within-date ranks (average ties) at t and at
    t - lag, over assets present (non-null) on both dates; null when fewer than 3 assets or zero
    variance. Ranks are computed on each date's full cross-section. Returns ``date, autocorr``.
    """
    valid = signal.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    dates = signal.select(pl.col("date").unique().sort()).with_row_index("idx")
    ranked = valid.join(dates, on="date").with_columns(
        pl.col("value").rank("average").over("date").alias("r")
    )
    lagged = ranked.select((pl.col("idx") + lag).alias("idx"), "asset", pl.col("r").alias("r_lag"))
    both = ranked.join(lagged, on=["idx", "asset"], how="inner")
    ok = (pl.len() >= 3) & (pl.col("r").std() > 0) & (pl.col("r_lag").std() > 0)
    return (
        both.group_by("date")
        .agg(pl.when(ok).then(pl.corr("r", "r_lag")).otherwise(None).cast(pl.Float64).alias("autocorr"))
        .sort("date")
    )
