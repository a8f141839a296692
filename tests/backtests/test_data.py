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


def test_synthetic_inputs_carry_the_crsp_shaped_panel_the_research_signals_read() -> None:
    inputs = data.load_inputs(synthetic_config())
    assert inputs.signal_data is not None and inputs.signal_data.annual.is_empty()
    daily = inputs.signal_data.daily
    assert daily.columns == ["permno", "date", "ret", "prc", "shrout"] and daily.height == inputs.returns.height
    assert inputs.mktcap is not None
    cap = daily.select((pl.col("prc").abs() * pl.col("shrout") * 1000.0).alias("cap"))["cap"]
    assert (cap / inputs.mktcap["mktcap"] - 1).abs().max() < 1e-12


def test_only_signals_reading_compustat_add_its_datasets() -> None:
    assert data.signal_datasets("momentum") == data.signal_datasets("market") == ()
    assert data.signal_datasets("value") == data.signal_datasets("quality") == ("compustat_annual", "ccm_link")
    assert data.signal_datasets("sue") == ("compustat_quarterly", "ccm_link")


@pytest.mark.slow
@pytest.mark.django_db
def test_warehouse_value_backtest_reads_the_research_fundamentals(risk_models, settings) -> None:
    """The warehouse loader serves the value signal's Compustat rows exactly as the research data path
    reads them (``research.services.data``), records their versions, and a value backtest runs."""
    from backtests.configs import BacktestConfig
    from backtests.services import backtest_run_create, backtest_run_execute
    from research.services.data import load_research_data
    from tests.factories import UserFactory

    dirs, _ = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    settings.BACKTESTS_DIR = dirs["DATA_DIR"] / "backtests"
    config = BacktestConfig(signal="value", start=dt.date(2023, 1, 3), end=dt.date(2024, 12, 31), source="warehouse",
                            rebalance="monthly", construction="long_short_decile")  # fmt: skip
    assert {"compustat_annual", "ccm_link"} <= set(data.current_dataset_versions(config))
    inputs = data.load_inputs(config)
    assert inputs.signal_data is not None and inputs.signal_data.quarterly.is_empty()
    research = load_research_data().inputs
    assert inputs.signal_data.annual.sort("gvkey", "datadate").equals(research.annual.sort("gvkey", "datadate"))
    assert inputs.signal_data.annual.height > 100

    run = backtest_run_create(config=config, owner=UserFactory(role="researcher")).run
    backtest_run_execute(run_id=run.pk, task_id="test")
    run.job.refresh_from_db()
    assert run.job.status == "succeeded", run.job.error
