"""Validation against real published data: Ken French's daily factors (built from CRSP)."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from quant import calendars
from tests.support.shared_data import require_shared_file
from warehouse import readers
from warehouse.publish import publish_dataset

from .conftest import cast


def french_daily() -> pl.DataFrame:
    """F-F_Research_Data_Factors_daily.CSV as an ff_factors frame (percent -> decimals)."""
    path = require_shared_file("french", "F-F_Research_Data_Factors_daily.CSV")
    rows = [line for line in path.read_text().splitlines() if line[:8].strip().isdigit() and "," in line]
    raw = pl.read_csv(io.StringIO("date,mktrf,smb,hml,rf\n" + "\n".join(rows)), schema_overrides={"date": pl.Utf8})
    return cast(
        "ff_factors",
        raw.with_columns(
            pl.col("date").str.strptime(pl.Date, "%Y%m%d"),
            *(pl.col(c).cast(pl.Utf8).str.strip_chars().cast(pl.Float64) / 100 for c in ("mktrf", "smb", "hml", "rf")),
            frequency=pl.lit("daily"),
            rmw=pl.lit(None, pl.Float64),
            cma=pl.lit(None, pl.Float64),
            umd=pl.lit(None, pl.Float64),
        ),
    )


def test_crsp_trading_days_match_the_nyse_calendar_from_1970() -> None:
    dates = french_daily()["date"]
    recent = dates.filter(dates >= calendars.CALENDAR_RELIABLE_FROM)
    expected = calendars.sessions(calendars.CALENDAR_RELIABLE_FROM, dates.max())
    assert recent.to_list() == expected.to_list()  # 13,787 sessions 1970-01-02..2024-08-30, none missing or extra
    assert recent.len() == 13_787
    older = dates.filter(dates < calendars.CALENDAR_RELIABLE_FROM)
    assert calendars.not_sessions(older).len() > 1000  # Saturday sessions before 1952 are not in XNYS


def test_the_real_french_daily_factors_pass_validation_and_read_back(wh) -> None:
    frame = french_daily()
    result = publish_dataset("ff_factors", frame, source="french", query_hash="202408", writer="test")
    assert result.manifest.validation.passed, result.manifest.validation.summary()
    assert (result.rows, result.manifest.date_min, result.manifest.date_max) == (25_817, "1926-07-01", "2024-08-30")
    aug = readers.ff_factors("daily", dt.date(2024, 8, 29), dt.date(2024, 8, 30))
    assert aug.select("mktrf", "smb", "hml", "rf").rows() == [
        pytest.approx((0.0008, 0.0038, 0.0028, 0.00022)),
        pytest.approx((0.0098, -0.0055, 0.0004, 0.00022)),
    ]
