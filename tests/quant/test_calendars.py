import datetime as dt

import polars as pl

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
