"""The one narrow door through which a backtest gets market data: ``load_inputs(config)``.

* ``source="warehouse"``: point-in-time readers of the warehouse (``warehouse.readers``):
  total returns with delisting returns, market caps and dollar volume from CRSP daily, the
  survivorship-free universe at each month end, and what the signal reads: the research signal
  library's inputs (``research.services.data.signal_inputs``) on the same CRSP daily rows — plus
  the Compustat rows (``warehouse.pit``, primary CCM link) only for signals that read them.
  Fails with :class:`DataUnavailable` naming ``python manage.py warehouse_sync --source demo``
  when the warehouse (or its data) is missing.
* ``source="synthetic"``: the seeded generator of :mod:`backtests.synthetic` (tests,
  benchmarks); it has no fundamentals, so signals reading Compustat need the warehouse.

Only this module reads the warehouse for a backtest; an empty warehouse is a :class:`DataUnavailable`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from backtests.configs import BacktestConfig, SyntheticSpec
from backtests.synthetic import synthetic_dates, synthetic_panels, synthetic_version
from research import io as research_io
from research.analytics.signals import SIGNALS, SignalInputs
from research.services.data import DAILY_COLUMNS, signal_inputs
from warehouse import readers, storage

SYNC_COMMAND = "python manage.py warehouse_sync --source demo"
LOOKBACK_DAYS = 400  # calendar days before `start` loaded: >= 252 sessions, so every signal window is full
ADV_WINDOW = 20
WAREHOUSE_DATASETS = ("crsp_daily", "crsp_names", "crsp_delist")
_NO_DATES = pl.Series("date", [], dtype=pl.Date)  # signal_data's dates: the backtest picks its own


class DataUnavailable(RuntimeError):
    """The data a backtest needs is not there; the message says which command produces it."""


@dataclass(frozen=True, slots=True)
class BacktestInputs:
    """Long panels from ``start - lookback`` to ``end`` plus the versions they came from.

    ``returns``: date, permno, ret; ``mktcap``: date, permno, mktcap ($); ``adv``: date, permno,
    adv ($); ``universe``: date, permno (None = every priced name); ``signal_data``: what the
    research signal definitions read (``daily``: permno, date, ret, prc, shrout — CRSP's ``ret``,
    as research reads it; the Compustat frames when the config's signal reads them, else empty).
    Its ``dates`` are empty: the backtest forms its signal on its own rebalance dates.
    """

    returns: pl.DataFrame
    dataset_versions: dict[str, Any]
    mktcap: pl.DataFrame | None = None
    adv: pl.DataFrame | None = None
    universe: pl.DataFrame | None = None
    signal_data: SignalInputs | None = None

    @property
    def first_date(self) -> dt.date:
        return self.returns["date"].min()  # type: ignore[return-value]

    @property
    def last_date(self) -> dt.date:
        return self.returns["date"].max()  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class DataRange:
    """First and last date a source can serve (form validation)."""

    first: dt.date
    last: dt.date


def current_dataset_versions(config: BacktestConfig) -> dict[str, Any]:
    """The dataset versions ``config`` would read right now (the run's idempotency key)."""
    if config.source == "synthetic":
        assert config.synthetic is not None
        return {"synthetic": synthetic_version(config.synthetic)}
    names = WAREHOUSE_DATASETS + signal_datasets(config.signal)
    versions: dict[str, Any] = {name: storage.current_version(name) for name in names}
    missing = [name for name, version in versions.items() if version is None]
    if missing:
        raise DataUnavailable(f"The warehouse has no {', '.join(missing)} yet. Run `{SYNC_COMMAND}`.")
    if config.optimizer is not None:  # a new risk model is new data: it must not reuse an old run
        from backtests.services.optimizer import risk_models_for

        versions["risk_models"] = [version for _, version in risk_models_for(config)]
    return versions


def data_range(source: str = "warehouse", synthetic: SyntheticSpec | None = None) -> DataRange:
    """Date coverage of ``source`` (raises :class:`DataUnavailable` when there is no data)."""
    if source == "synthetic":
        dates = synthetic_dates((synthetic or SyntheticSpec()).days)
        return DataRange(dates.min(), dates.max())  # type: ignore[arg-type]
    version = storage.current_version("crsp_daily")
    if version is None:
        raise DataUnavailable(f"The warehouse has no crsp_daily yet. Run `{SYNC_COMMAND}`.")
    manifest = storage.load_manifest("crsp_daily", version)
    if not manifest.date_min or not manifest.date_max:
        raise DataUnavailable(f"crsp_daily version {version} is empty. Run `{SYNC_COMMAND}`.")
    return DataRange(dt.date.fromisoformat(manifest.date_min), dt.date.fromisoformat(manifest.date_max))


def load_inputs(config: BacktestConfig) -> BacktestInputs:
    """Market data for ``config`` (see the module docstring)."""
    if config.source == "synthetic":
        assert config.synthetic is not None
        panels = synthetic_panels(config.synthetic)
        return BacktestInputs(
            returns=panels["returns"],
            mktcap=panels["mktcap"],
            adv=panels["adv"],
            signal_data=signal_inputs(daily=panels["daily"], dates=_NO_DATES, datasets=(), versions={}),
            dataset_versions=current_dataset_versions(config),
        )
    return _warehouse_inputs(config)


def signal_datasets(signal: str) -> tuple[str, ...]:
    """The datasets beyond CRSP's that ``signal`` reads (Compustat, the CCM link), from its
    research definition (``SignalDef.datasets``); () for the equal-weight market or an unknown name."""
    definition = SIGNALS.get(signal)
    return tuple(d for d in definition.datasets if d not in WAREHOUSE_DATASETS) if definition else ()


def _warehouse_inputs(config: BacktestConfig) -> BacktestInputs:
    versions = current_dataset_versions(config)
    start = config.start - dt.timedelta(days=LOOKBACK_DAYS)
    # The readers apply one `version` to every dataset they join, so they read the current
    # versions (recorded above); a publish between the two calls is the accepted race.
    returns = (
        readers.total_returns(start, config.end).select("date", "permno", pl.col("total_ret").alias("ret")).collect()
    )
    if returns.is_empty():
        raise DataUnavailable(f"No returns between {start} and {config.end}. Run `{SYNC_COMMAND}`.")
    prices = readers.crsp_daily(start, config.end, columns=[*DAILY_COLUMNS, "vol"])
    dollars = prices.sort("permno", "date").with_columns(
        mktcap=pl.col("prc").abs() * pl.col("shrout") * 1000.0,
        adv=(pl.col("prc").abs() * pl.col("vol")).rolling_mean(ADV_WINDOW, min_samples=5).over("permno"),
    )
    extra = {name: int(versions[name]) for name in signal_datasets(config.signal)}
    try:
        data = signal_inputs(daily=prices.select(DAILY_COLUMNS), dates=_NO_DATES, datasets=tuple(extra), versions=extra)
    except research_io.InputError as exc:
        raise DataUnavailable(str(exc)) from exc
    return BacktestInputs(
        returns=returns,
        mktcap=dollars.select("date", "permno", "mktcap").drop_nulls(),
        adv=dollars.select("date", "permno", "adv").drop_nulls(),
        universe=_month_end_universe(readers, returns),
        signal_data=data,
        dataset_versions=versions,
    )


def _month_end_universe(readers: Any, returns: pl.DataFrame) -> pl.DataFrame:
    """Members of the point-in-time universe at each month end, held until the next month end."""
    dates = returns.select("date").unique().sort("date")
    by_month = dates.group_by(pl.col("date").dt.strftime("%Y-%m").alias("month"))
    month_ends = by_month.agg(pl.col("date").max())["date"].sort()
    members = pl.concat([readers.universe(day).select(pl.lit(day).alias("as_of"), "permno") for day in month_ends])
    # Each date belongs to the latest month end on or before it (the first month uses its own end).
    keyed = dates.join_asof(month_ends.to_frame("as_of"), left_on="date", right_on="as_of", strategy="backward")
    keyed = keyed.with_columns(pl.col("as_of").fill_null(month_ends.min()))
    return keyed.join(members, on="as_of").select("date", "permno").join(returns, on=["date", "permno"], how="semi")
