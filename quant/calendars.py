"""Trading calendars. One source of truth for "is this a trading day" (NYSE via exchange_calendars).

The calendar is built once per process (about 0.7 s for 1926–2030) and cached.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import exchange_calendars as xc
import numpy as np
import polars as pl

NYSE = "XNYS"
CALENDAR_START = "1926-01-01"
CALENDAR_END = "2030-12-31"


@lru_cache(maxsize=4)
def _calendar(code: str) -> xc.ExchangeCalendar:
    return xc.get_calendar(code, start=CALENDAR_START, end=CALENDAR_END)


@lru_cache(maxsize=4)
def _all_sessions(code: str) -> np.ndarray:
    return _calendar(code).sessions.values.astype("datetime64[D]")


def sessions(start: dt.date, end: dt.date, *, calendar: str = NYSE) -> pl.Series:
    """Trading sessions in [start, end], inclusive, as a polars Date series named ``date``."""
    allx = _all_sessions(calendar)
    lo = np.searchsorted(allx, np.datetime64(start, "D"), side="left")
    hi = np.searchsorted(allx, np.datetime64(end, "D"), side="right")
    return pl.Series("date", allx[lo:hi]).cast(pl.Date)


def is_session(day: dt.date, *, calendar: str = NYSE) -> bool:
    allx = _all_sessions(calendar)
    d = np.datetime64(day, "D")
    i = np.searchsorted(allx, d)
    return bool(i < len(allx) and allx[i] == d)


def not_sessions(days: pl.Series, *, calendar: str = NYSE) -> pl.Series:
    """The dates of ``days`` that are not trading sessions (for validation)."""
    allx = pl.Series("date", _all_sessions(calendar)).cast(pl.Date)
    return days.filter(~days.is_in(allx.implode()))


def previous_session(day: dt.date, *, calendar: str = NYSE) -> dt.date:
    """The last session on or before ``day``."""
    allx = _all_sessions(calendar)
    i = np.searchsorted(allx, np.datetime64(day, "D"), side="right") - 1
    if i < 0:
        raise ValueError(f"{day} is before the first session of the {calendar} calendar.")
    return allx[i].astype(dt.date)


def month_ends(start: dt.date, end: dt.date, *, calendar: str = NYSE) -> pl.Series:
    """Last trading session of each month in [start, end] (CRSP's monthly ``date``)."""
    s = sessions(start, end, calendar=calendar)
    return (
        pl.DataFrame({"date": s})
        .group_by(pl.col("date").dt.truncate("1mo"))
        .agg(pl.col("date").max().alias("month_end"))
        .sort("month_end")["month_end"]
        .alias("date")
    )
