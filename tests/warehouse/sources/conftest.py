from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from tests.support import services, wrds_standin
from tests.support.parquet_sink import ParquetSink
from tests.support.shared_data import shared_data_dir
from warehouse.sources.demo import DemoConfig, DemoOutput, MarketHistory, generate, load_market_history
from warehouse.sources.wrds.client import WrdsClient, WrdsConfig, close_all


def _require_local_postgres() -> None:
    if not services._reachable(wrds_standin.HOST, wrds_standin.PORT):
        services._missing(f"PostgreSQL at {wrds_standin.HOST}:{wrds_standin.PORT} (WRDS stand-in)")


@pytest.fixture(scope="session")
def wrds_frames() -> dict[str, pl.DataFrame]:
    """The warehouse-shaped truth loaded into the WRDS stand-in."""
    return wrds_standin.source_frames()


@pytest.fixture(scope="session")
def wrds_db(wrds_frames: dict[str, pl.DataFrame]) -> Iterator[str]:
    """A session-wide WRDS-shaped database (read-only: tests that alter it use `fresh_wrds_db`)."""
    _require_local_postgres()
    yield from wrds_standin.standin(wrds_frames)


@pytest.fixture
def fresh_wrds_db(wrds_frames: dict[str, pl.DataFrame]) -> Iterator[str]:
    _require_local_postgres()
    yield from wrds_standin.standin(wrds_frames)


def standin_config(dbname: str, **overrides: object) -> WrdsConfig:
    return WrdsConfig(username="postgres", host="127.0.0.1", port=5432, dbname=dbname, sslmode="disable", **overrides)


@pytest.fixture
def wrds_client(wrds_db: str) -> Iterator[WrdsClient]:
    client = WrdsClient(standin_config(wrds_db))
    yield client
    client.close()


@pytest.fixture
def sink(tmp_path: Path) -> ParquetSink:
    return ParquetSink(tmp_path / "warehouse")


@pytest.fixture
def wrds_settings(settings, wrds_db: str, tmp_path: Path):  # yields pytest-django's `settings`
    """Settings for code that builds its own WRDS client and sink (commands, tasks): the session
    stand-in, the test Parquet sink and this test's warehouse and locks directories."""
    close_all()
    settings.WRDS_USERNAME, settings.WRDS_HOST, settings.WRDS_PORT = "postgres", "127.0.0.1", 5432
    settings.WRDS_DBNAME, settings.WRDS_SSLMODE = wrds_db, "disable"
    settings.WAREHOUSE_SINK = "tests.support.parquet_sink.factory"
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    settings.LOCKS_DIR = tmp_path / "locks"
    yield settings
    close_all()


MID = DemoConfig(stocks=600, years=4, seed=11)


@pytest.fixture(scope="session")
def market_history() -> MarketHistory | None:
    """The real Ken French history the warehouse service gives the demo (None when ../shared is absent)."""
    base = shared_data_dir()
    return None if base is None else load_market_history(base / "french")


@pytest.fixture(scope="session")
def demo_mid(market_history: MarketHistory | None) -> DemoOutput:
    """One mid-size run shared by the demo tests (about 2 s), on real market history as published."""
    return generate(MID, history=market_history)
