"""The data door: synthetic inputs, version keys, the month-end universe, missing warehouse."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from backtests import data
from backtests.configs import SyntheticSpec
from tests.backtests.conftest import synthetic_config


def test_synthetic_inputs_are_deterministic_and_versioned_by_their_settings() -> None:
    a, b = data.load_inputs(synthetic_config()), data.load_inputs(synthetic_config())
    assert a.returns.equals(b.returns) and a.dataset_versions == b.dataset_versions
    other = data.load_inputs(synthetic_config(synthetic=SyntheticSpec(stocks=60, days=800, seed=12)))
    assert other.dataset_versions != a.dataset_versions
    assert a.returns.select("date", "permno").is_duplicated().sum() == 0
    assert a.first_date == dt.date(2005, 1, 3)


def test_month_end_universe_holds_each_month_end_membership_until_the_next() -> None:
    days = [dt.date(2024, 1, 30), dt.date(2024, 1, 31), dt.date(2024, 2, 1), dt.date(2024, 2, 29)]
    returns = pl.DataFrame({"date": [d for d in days for _ in (1, 2)], "permno": [1, 2] * 4, "ret": [0.0] * 8})

    class Readers:
        @staticmethod
        def universe(as_of: dt.date) -> pl.DataFrame:  # permno 1 in January, permno 2 in February
            return pl.DataFrame({"permno": [1 if as_of.month == 1 else 2], "ticker": ["X"]})

    out = data._month_end_universe(Readers, returns).sort("date", "permno")
    assert out.rows() == [
        (dt.date(2024, 1, 30), 1),  # before the first month end: that month end's members
        (dt.date(2024, 1, 31), 1),
        (dt.date(2024, 2, 1), 1),
        (dt.date(2024, 2, 29), 2),
    ]


def test_without_a_warehouse_the_error_names_the_sync_command() -> None:
    with pytest.raises(data.DataUnavailable, match="warehouse_sync --source demo"):
        data.data_range("warehouse")
