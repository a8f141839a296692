"""Universe rules and the benchmark series of a backtest (pure polars).

Alignment: everything is keyed by ``date, permno``; a value dated ``t`` is known at the close of
``t`` (the engine's trading time), so a universe chosen from ``mktcap`` on ``t`` is tradable on
``t``. The benchmark's return on ``t`` weights names by their market cap at ``t-1`` (the previous
row of that permno), like a cap-weighted index rebalanced daily.
"""

from __future__ import annotations

import datetime as dt

import polars as pl


def date_ordered(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its rows in date order (returned as is when they already are: an O(n) check).

    Window expressions ``.over("permno")`` keep each group's rows in frame order, so date order is
    all a per-permno lag needs; sorting 14 M rows by ``permno, date`` costs seconds.
    """
    return frame if frame["date"].is_sorted() else frame.sort("date", "permno")


def top_cap_universe(mktcap: pl.DataFrame, n: int) -> pl.DataFrame:
    """``date, permno`` of the ``n`` largest names by market cap on each date (ties by permno)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    return (
        mktcap.filter(pl.col("mktcap") > 0)
        .sort("date", pl.col("mktcap"), "permno", descending=[False, True, False])
        .with_columns(rank=pl.int_range(pl.len()).over("date"))
        .filter(pl.col("rank") < n)
        .select("date", "permno")
    )


def cap_weighted_benchmark(returns: pl.DataFrame, mktcap: pl.DataFrame | None) -> pl.DataFrame:
    """``date, return``: the cap-weighted (previous-day caps) or, without caps, equal-weighted mean
    of the non-null returns of each date. The first date of a permno carries no cap weight.
    Dates where no name has a weight are dropped."""
    returns = date_ordered(returns)
    ret = pl.col("ret").cast(pl.Float64).fill_nan(None)
    if mktcap is None:
        rets = returns.select("date", ret).drop_nulls("ret")
        return rets.group_by("date").agg(pl.col("ret").mean().alias("return")).sort("date")
    mktcap = date_ordered(mktcap)
    lag = pl.col("mktcap").shift(1).over("permno").alias("weight")  # rows are in date order
    if returns["date"].equals(mktcap["date"]) and returns["permno"].equals(mktcap["permno"]):
        # The usual case (both panels come from the same CRSP rows): no join needed.
        joined = returns.select("date", ret).with_columns(mktcap.select(lag).to_series())
    else:
        lagged = mktcap.select("date", "permno", lag)
        joined = returns.select("date", "permno", ret).join(lagged, on=["date", "permno"], how="inner")
    return (
        joined.drop_nulls(["ret", "weight"])
        .group_by("date")
        .agg((pl.col("ret") * pl.col("weight")).sum().truediv(pl.col("weight").sum()).alias("return"))
        .sort("date")
    )


def between(frame: pl.DataFrame | None, start: dt.date, end: dt.date) -> pl.DataFrame | None:
    """Rows with ``start <= date <= end`` (None passes through)."""
    if frame is None:
        return None
    return frame.filter(pl.col("date").is_between(start, end))
