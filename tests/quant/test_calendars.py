import datetime as dt

import polars as pl
import pytest

from quant import calendars


def test_sessions_skip_weekends_and_the_2001_closure() -> None:
    got = calendars.sessions(dt.date(2001, 9, 7), dt.date(2001, 9, 18)).to_list()
    assert got == [dt.date(2001, 9, 7), dt.date(2001, 9, 10), dt.date(2001, 9, 17), dt.date(2001, 9, 18)]


def test_is_session_and_previous_session() -> None:
    assert calendars.is_session(dt.date(2024, 7, 3))
    assert not calendars.is_session(dt.date(2024, 7, 4))
    assert calendars.previous_session(dt.date(2024, 7, 7)) == dt.date(2024, 7, 5)


def test_not_sessions_flags_holidays() -> None:
    days = pl.Series("date", [dt.date(2024, 12, 24), dt.date(2024, 12, 25)])
    assert calendars.not_sessions(days).to_list() == [dt.date(2024, 12, 25)]


def test_month_ends_are_last_sessions() -> None:
    got = calendars.month_ends(dt.date(2024, 1, 1), dt.date(2024, 3, 31)).to_list()
    assert got == [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 28)]


def test_off_calendar_judges_only_dates_from_1970() -> None:
    days = pl.Series("date", [dt.date(1950, 1, 7), dt.date(1969, 12, 25), dt.date(1970, 1, 1), dt.date(2020, 7, 3),
                              dt.date(2020, 7, 6)])  # fmt: skip
    # 1950-01-07 was a Saturday session and 1969-12-25 a holiday: both before the reliable range
    assert calendars.off_calendar(days).to_list() == [dt.date(1970, 1, 1), dt.date(2020, 7, 3)]


def test_missing_sessions_inside_the_range_from_1970() -> None:
    july = calendars.sessions(dt.date(2020, 7, 1), dt.date(2020, 7, 10))
    assert july.to_list() == [dt.date(2020, 7, d) for d in (1, 2, 6, 7, 8, 9, 10)]  # 3 July 2020: holiday
    gappy = july.filter(july != dt.date(2020, 7, 7))
    assert calendars.missing_sessions(gappy).to_list() == [dt.date(2020, 7, 7)]
    old = pl.Series("date", [dt.date(1969, 12, 1), dt.date(1970, 1, 2), dt.date(1970, 1, 6)])
    assert calendars.missing_sessions(old).to_list() == [dt.date(1970, 1, 5)]  # December 1969 not judged
    assert calendars.missing_sessions(pl.Series("date", [], dtype=pl.Date)).len() == 0


def test_previous_sessions_is_previous_session_elementwise_and_keeps_nulls() -> None:
    days = [dt.date(2024, 7, 7), dt.date(2024, 7, 4), None, dt.date(2024, 7, 3), dt.date(2021, 5, 31)]
    got = calendars.previous_sessions(pl.Series("d", days, dtype=pl.Date))
    assert got.name == "d" and got.dtype == pl.Date
    assert got.to_list() == [dt.date(2024, 7, 5), dt.date(2024, 7, 3), None, dt.date(2024, 7, 3), dt.date(2021, 5, 28)]
    # the same as the scalar helper on every day of a year with holidays on Mondays and Fridays
    year = pl.date_range(dt.date(2021, 1, 1), dt.date(2021, 12, 31), eager=True)
    assert calendars.previous_sessions(year).to_list() == [calendars.previous_session(d) for d in year]


def test_previous_sessions_rejects_dates_before_the_calendar() -> None:
    with pytest.raises(ValueError, match="before the first"):
        calendars.previous_sessions(pl.Series("d", [dt.date(1900, 1, 1)]))
