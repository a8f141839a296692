"""Rebalancing schedules on the trading calendar implied by the data's own dates."""

from __future__ import annotations

from typing import Literal

import polars as pl

Schedule = Literal["daily", "weekly", "monthly", "quarterly"]


def rebalance_dates(dates: pl.Series, schedule: Schedule) -> pl.Series:
    """The last available date of each period (ISO week, calendar month or quarter).

    ``dates`` are the trading dates of the panel (any order, duplicates ignored); ``"daily"``
    returns all of them but the last. A period's last date is only known to be its last because the calendar
    is known in advance (NYSE sessions); the caller passes the data's dates as that calendar.
    The panel's final date is never a rebalance date: no later return could be earned and the
    data cannot tell whether it closes its period.
    """
    d = pl.DataFrame({"date": dates.unique().sort()})
    if schedule == "daily":
        return d["date"].head(max(d.height - 1, 0))
    year, date = pl.col("date").dt.year().alias("y"), pl.col("date")
    keys = {
        "weekly": [date.dt.iso_year().alias("y"), date.dt.week().alias("p")],
        "monthly": [year, date.dt.month().alias("p")],
        "quarterly": [year, date.dt.quarter().alias("p")],
    }
    if schedule not in keys:
        raise ValueError(f"schedule must be daily, weekly, monthly or quarterly, got {schedule!r}")
    ends = d.with_columns(pl.struct(keys[schedule]).alias("period")).filter(
        pl.col("period") != pl.col("period").shift(-1)
    )
    return ends["date"]
