"""Data-quality anomalies across dataset versions: null-rate spikes, row-count drops, date gaps.

Pure functions over small polars frames built from the version manifests and the monthly
coverage (`warehouse.quality`); no Django, no file access. Versions are compared with the one
before them in version order; rates are fractions 0..1 of the version's rows.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

# Earlier warning than the publish gate (validation refuses a rise of more than 5 points): a rise
# of 2 points that also doubles the rate is shown on the quality page.
NULL_JUMP = 0.02  # a null rate up by at least 2 percentage points...
NULL_RATIO = 2.0  # ...and at least doubled is a spike
ROW_DROP = 0.10  # a version with 10 % fewer rows than the previous one


def null_rate_spikes(null_rates: pl.DataFrame, *, jump: float = NULL_JUMP, ratio: float = NULL_RATIO) -> pl.DataFrame:
    """Columns whose null rate jumped from one version to the next.

    ``null_rates``: one row per (``version``, ``column``) with ``null_rate`` (fraction of rows).
    Returns ``version, column, null_rate, previous_rate`` for rate - previous >= ``jump`` and
    rate >= ``ratio`` x previous, sorted by version and column. The first version has no previous
    one and is never a spike.
    """
    return (
        null_rates.sort("column", "version")
        .with_columns(previous_rate=pl.col("null_rate").shift(1).over("column"))
        .filter(
            pl.col("previous_rate").is_not_null()
            & (pl.col("null_rate") - pl.col("previous_rate") >= jump)
            & (pl.col("null_rate") >= ratio * pl.col("previous_rate"))
        )
        .select("version", "column", "null_rate", "previous_rate")
        .sort("version", "column")
    )


def row_count_drops(versions: pl.DataFrame, *, drop: float = ROW_DROP) -> pl.DataFrame:
    """Versions with at least ``drop`` (fraction) fewer rows than the version before.

    ``versions``: ``version, rows``. Returns ``version, rows, previous_rows, change`` where
    ``change = rows / previous_rows - 1`` (a fraction, negative for a drop).
    """
    return (
        versions.sort("version")
        .with_columns(previous_rows=pl.col("rows").shift(1))
        .with_columns(change=pl.col("rows") / pl.col("previous_rows") - 1.0)
        .filter(pl.col("previous_rows") > 0, pl.col("change") <= -drop)
        .select("version", "rows", "previous_rows", "change")
    )


def date_gaps(monthly: pl.DataFrame) -> pl.DataFrame:
    """Runs of calendar months with no rows between a dataset's first and last month.

    ``monthly``: ``month`` (a Date on the first of the month) and ``rows`` for the months that have
    rows. Returns ``start, end, months`` (first and last empty month of each run, run length).
    """
    if monthly.height < 2:
        return pl.DataFrame(schema={"start": pl.Date, "end": pl.Date, "months": pl.Int64})
    first, last = monthly["month"].min(), monthly["month"].max()
    assert isinstance(first, dt.date) and isinstance(last, dt.date)
    every = pl.DataFrame({"month": pl.date_range(first, last, interval="1mo", eager=True)})
    missing = every.join(monthly.filter(pl.col("rows") > 0), on="month", how="anti").sort("month")
    if missing.is_empty():
        return pl.DataFrame(schema={"start": pl.Date, "end": pl.Date, "months": pl.Int64})
    index = (pl.col("month").dt.year() * 12 + pl.col("month").dt.month()).cast(pl.Int64)
    return (
        missing.with_columns(run=(index - index.shift(1) != 1).fill_null(True).cum_sum())
        .group_by("run")
        .agg(start=pl.col("month").min(), end=pl.col("month").max(), months=pl.len().cast(pl.Int64))
        .sort("start")
        .select("start", "end", "months")
    )
