"""Research-to-production parity: for every registered signal, the panel a backtest trades is the
research panel of that signal on a demo warehouse — same (date, permno) rows, values equal to float
tolerance.

The research panel is ``SignalDef.run`` on ``load_research_data()`` (the whole warehouse span,
month ends), exactly what ``alpha_build`` reports; the backtest panel is the strategy signal that
``build_backtest`` hands the engine after ``backtests.data.load_inputs`` (a shorter load window:
``LOOKBACK_DAYS`` before the start), divided by the signal's direction. A backtest rebalancing
monthly trades on every month end of its window but the data's last day (it never rebalances on
the final date), so those are the rows compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest
from django.test import override_settings
from polars.testing import assert_frame_equal

from backtests.configs import BacktestConfig
from backtests.data import load_inputs
from backtests.services.execute import build_backtest
from research.analytics import factors
from research.analytics.signals import SIGNALS
from research.services.data import ResearchData, load_research_data

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DEMO = {"stocks": 100, "years": 3, "seed": 11}  # sessions 2022-01-03 .. 2024-12-31
START = dt.date(2023, 2, 1)  # loads from 2022-01-27: a shorter history than the research panel's
TOLERANCE = {"rel_tol": 1e-9, "abs_tol": 1e-12}  # rolling windows started on other rows differ by a few ulps


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[ResearchData]:  # noqa: ANN001
    """A small demo warehouse, active for the module; yields the research data read from it."""
    from warehouse.services import warehouse_sync_demo

    root = tmp_path_factory.mktemp("signal-parity")
    dirs = {"WAREHOUSE_DIR": root / "warehouse", "LOCKS_DIR": root / "locks", "ANALYTICS_DIR": root / "analytics"}
    with override_settings(**dirs), django_db_blocker.unblock():
        warehouse_sync_demo(**DEMO, writer="tests")
        yield load_research_data()


def backtest_panel(signal: str, research: ResearchData) -> pl.DataFrame:
    """``date, permno, value``: what a monthly backtest of ``signal`` trades, in research units."""
    config = BacktestConfig(signal=signal, start=START, end=research.end, rebalance="monthly", source="warehouse")
    _, strategy, _ = build_backtest(config, load_inputs(config))
    assert strategy.signal is not None
    direction = SIGNALS[config.signal].direction
    return strategy.signal.select("date", "permno", value=pl.col("signal") * direction).sort("date", "permno")


def research_panel(signal: str, research: ResearchData) -> pl.DataFrame:
    """The research panel of ``signal`` on the month ends a backtest from START rebalances on."""
    window = pl.col("date").is_between(START, research.end - dt.timedelta(days=1))
    return SIGNALS[signal].run(research.inputs).filter(window).sort("date", "permno")


def assert_same_panel(ours: pl.DataFrame, theirs: pl.DataFrame) -> None:
    keys = ["date", "permno"]
    assert ours.select(keys).equals(theirs.select(keys)), "the backtest and research panels cover different rows"
    assert_frame_equal(ours, theirs, check_exact=False, **TOLERANCE)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(SIGNALS))
def test_the_backtest_trades_the_research_panel(name: str, demo: ResearchData) -> None:
    ours, theirs = backtest_panel(name, demo), research_panel(name, demo)
    assert theirs["date"].n_unique() == 22 and theirs.height > 1_000  # Feb 2023 .. Nov 2024, most names
    assert_same_panel(ours, theirs)


def test_a_stored_config_with_an_old_name_trades_the_one_definition(demo: ResearchData) -> None:
    assert_same_panel(backtest_panel("low_vol", demo), research_panel("lowvol", demo))


def test_the_check_fails_on_a_second_definition(demo: ResearchData) -> None:
    """Before the one library the backtest had its own low volatility over 63 sessions (>= 50
    returns): on the same rows its panel is not the research one, and the check says so."""
    theirs = research_panel("lowvol", demo)
    config = BacktestConfig(signal="lowvol", start=START, end=demo.end, source="warehouse")
    inputs = load_inputs(config)
    assert inputs.signal_data is not None
    old = factors.low_volatility(window=63, min_periods=50)
    ours = (
        inputs.signal_data.daily.with_columns(old.alias("value"))
        .join(theirs.select("date", "permno"), on=["date", "permno"], how="semi")
        .select("date", "permno", "value")
        .sort("date", "permno")
    )
    with pytest.raises(AssertionError, match="value"):
        assert_same_panel(ours, theirs)
