"""Inferring the sampling frequency from date spacing."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from backtests.analytics.frequency import infer_frequency


@pytest.mark.parametrize(
    ("step", "expected"),
    [(1, ("daily", 252)), (7, ("weekly", 52)), (30, ("monthly", 12)), (91, ("quarterly", 4))],
)
def test_infers_frequency_from_spacing(step: int, expected: tuple[str, int]) -> None:
    dates = pl.Series([dt.date(2020, 1, 1) + dt.timedelta(days=step * i) for i in range(20)])
    got = infer_frequency(dates)
    assert (got.frequency, got.periods_per_year) == expected


def test_infers_daily_from_trading_sessions_with_weekends() -> None:
    from quant.calendars import sessions

    assert infer_frequency(sessions(dt.date(2024, 1, 1), dt.date(2024, 3, 31))).frequency == "daily"
    with pytest.raises(ValueError, match="median gap of 15"):
        infer_frequency(pl.Series([dt.date(2020, 1, 1) + dt.timedelta(days=15 * i) for i in range(5)]))
