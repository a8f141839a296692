"""Trading calendars. One source of truth for "is this a trading day" (NYSE via exchange_calendars).

The calendar is built once per process (about 0.7 s for 1926–2030) and cached.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import cast

import exchange_calendars as xc
import numpy as np
import polars as pl

NYSE = "XNYS"
CALENDAR_START = "1926-01-01"
CALENDAR_END = "2030-12-31"

CALENDAR_RELIABLE_FROM = dt.date(1970, 1, 1)
"""First date from which the XNYS calendar can judge historical (CRSP) trading days.

exchange_calendars' XNYS calendar matches CRSP's trading days exactly from 1970 on (checked against
every date of Ken French's daily factor file, which is built from CRSP: 13,787 sessions
1970-01-02..2024-08-30, none missing or extra; ``tests/warehouse/test_real_data.py``). Before 1970 it
is wrong for history: it lacks the Saturday sessions the NYSE held until 1952 and about ten
holidays/closures a year. Rules that judge whether
historical dates are trading days (`off_calendar`, `missing_sessions`) ignore earlier dates rather
than reject real WRDS/French history. `sessions()` itself is unchanged: use it freely for dates
after this one.
"""


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


def off_calendar(days: pl.Series, *, calendar: str = NYSE) -> pl.Series:
    """The dates of ``days`` from `CALENDAR_RELIABLE_FROM` on that are not sessions (earlier dates are not judged)."""
    return not_sessions(days.filter(days >= CALENDAR_RELIABLE_FROM), calendar=calendar)


def missing_sessions(days: pl.Series, *, calendar: str = NYSE) -> pl.Series:
    """Sessions inside the range of ``days`` (from `CALENDAR_RELIABLE_FROM` on) that ``days`` lacks."""
    present = days.drop_nulls().unique()
    if present.len() == 0:
        return pl.Series("date", [], dtype=pl.Date)
    lo, hi = cast(dt.date, present.min()), cast(dt.date, present.max())
    expected = sessions(max(lo, CALENDAR_RELIABLE_FROM), hi, calendar=calendar)
    return expected.filter(~expected.is_in(present.implode()))


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


def previous_sessions(days: pl.Series, *, calendar: str = NYSE) -> pl.Series:
    """Vectorised `previous_session`: the last session on or before each date (nulls stay null).

    Raises ValueError when a date lies before the calendar's first session. Dates after the
    calendar's end (`CALENDAR_END`) map to its last session, like `previous_session`.
    """
    allx = _all_sessions(calendar)
    present = days.is_not_null().to_numpy()
    d = days.cast(pl.Date).to_numpy().astype("datetime64[D]")
    i = np.searchsorted(allx, d[present], side="right") - 1
    if (i < 0).any():
        first = days.drop_nulls().min()
        raise ValueError(f"{first!s} is before the first {calendar} session.")
    out = np.full(len(d), np.datetime64("NaT"), dtype="datetime64[D]")
    out[present] = allx[i]
    return pl.Series(days.name, out, dtype=pl.Date)
