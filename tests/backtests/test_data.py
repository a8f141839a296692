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


@pytest.mark.slow
@pytest.mark.django_db
def test_warehouse_value_backtest_reads_point_in_time_book_to_market(risk_models, settings) -> None:
    """The warehouse loader serves ``book_to_market`` for the value signal: on a month end it equals
    the latest annual report public that day (``warehouse.readers.fundamentals_asof``) over that
    day's market cap, and a value backtest on the demo warehouse runs."""
    from backtests.configs import BacktestConfig
    from backtests.services import backtest_run_create, backtest_run_execute
    from research.analytics.factors import book_equity
    from tests.factories import UserFactory
    from warehouse import readers

    dirs, _ = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    settings.BACKTESTS_DIR = dirs["DATA_DIR"] / "backtests"
    config = BacktestConfig(signal="value", start=dt.date(2023, 1, 3), end=dt.date(2024, 12, 31), source="warehouse",
                            rebalance="monthly", construction="long_short_decile")  # fmt: skip
    assert {"compustat_annual", "ccm_link"} <= set(data.current_dataset_versions(config))
    inputs = data.load_inputs(config)
    assert inputs.book_to_market is not None and inputs.book_to_market.height > 10_000
    day = dt.date(2024, 6, 28)  # June month end: December-2023 reports became public at its close
    ours = inputs.book_to_market.filter(pl.col("date") == day)
    public = readers.fundamentals_asof(day, by="permno").select("permno", book_equity().alias("be"))
    caps = readers.crsp_daily(day, day, columns=["permno", "prc", "shrout"]).select(
        "permno", (pl.col("prc").abs() * pl.col("shrout") * 1000.0).alias("cap")
    )
    expected = public.join(caps, on="permno").filter((pl.col("be") > 0) & (pl.col("cap") > 0))
    joined = ours.join(expected, on="permno", how="inner")
    assert joined.height == ours.height > 100  # every served ratio has a public report that day
    assert (joined["book_to_market"] - joined["be"] / joined["cap"]).abs().max() < 1e-12
    assert inputs.book_to_market.filter(pl.col("date") == day).height == expected.height

    run = backtest_run_create(config=config, owner=UserFactory(role="researcher")).run
    backtest_run_execute(run_id=run.pk, task_id="test")
    run.job.refresh_from_db()
    assert run.job.status == "succeeded", run.job.error
