"""When Compustat rows become public (`warehouse.pit`), on hand-checked calendar cases."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from warehouse import pit
from warehouse.sources.demo.fundamentals import AVAIL_MONTHS

D = dt.date


def _annual(datadates: list[dt.date | None], lag_months: int = pit.ANNUAL_LAG_MONTHS) -> list[dt.date | None]:
    frame = pl.DataFrame({"datadate": datadates}, schema={"datadate": pl.Date})
    return frame.select(pit.known_date("annual", lag_months=lag_months))["datadate"].to_list()


def test_annual_rows_are_public_at_the_last_session_of_the_month_six_months_after_fye() -> None:
    assert pit.ANNUAL_LAG_MONTHS == AVAIL_MONTHS  # the demo generator's rule
    cases = {
        D(2011, 12, 31): D(2012, 6, 29),  # 30 June 2012 is a Saturday: Friday's close
        D(2020, 11, 30): D(2021, 5, 28),  # 31 May 2021 is Memorial Day
        D(2019, 12, 31): D(2020, 6, 30),  # a Tuesday: the month end itself
        D(2019, 6, 30): D(2019, 12, 31),  # calendar-day offsets gave 30 December
        D(2019, 8, 31): D(2020, 2, 28),  # 29 February 2020 is a Saturday
        D(2012, 9, 30): D(2013, 3, 28),  # 29 March 2013 is Good Friday, the 30th and 31st a weekend
        D(2019, 12, 27): D(2020, 6, 30),  # only the datadate's month matters (52/53-week years)
    }
    assert _annual(list(cases)) == list(cases.values())
    assert _annual([D(2019, 12, 31), None], lag_months=3) == [D(2020, 3, 31), None]


def test_quarterly_rows_are_public_on_rdq_else_45_days_after_datadate() -> None:
    frame = pl.DataFrame({"datadate": [D(2020, 3, 31), D(2020, 3, 31)], "rdq": [D(2020, 4, 28), None]})
    assert frame.select(pit.known_date("quarterly"))["rdq"].to_list() == [D(2020, 4, 28), D(2020, 5, 15)]


def test_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="annual"):
        pit.known_date("monthly")
