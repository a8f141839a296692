"""Warehouse inputs of the signal library, read point in time through ``warehouse.readers``/``storage``.

* Daily panel: ``crsp_daily`` (permno, date, ret, prc, shrout) over the whole span.
* Prices for forward returns: the total-return index of ``research.io.warehouse_prices``
  (delisting returns included).
* Compustat (annual / quarterly) with ``available_date`` computed by ``warehouse.pit.known_date``, as
  the readers do (annual: the last NYSE session on or before the month end ``ANNUAL_LAG_MONTHS``
  months after the ``datadate`` month; quarterly: ``rdq``, else ``datadate + 45`` days), mapped
  to permnos through the primary CCM link (LU/LC, P before C).
* Sectors: the GICS ``gsector`` of the latest public annual report (point in time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from quant import calendars
from research import io
from research.analytics.signals import SignalInputs

DAILY_COLUMNS = ("permno", "date", "ret", "prc", "shrout")  # the crsp_daily columns a signal may read


@dataclass(frozen=True)
class ResearchData:
    inputs: SignalInputs
    prices: pl.DataFrame  # date, asset, price
    sectors: pl.DataFrame  # date, asset, group
    dataset_versions: dict[str, int]
    start: dt.date
    end: dt.date


def current_versions(datasets: tuple[str, ...] | None = None) -> dict[str, int]:
    from warehouse.versions import dataset_versions

    versions = dataset_versions()
    return {k: v for k, v in versions.items() if datasets is None or k in datasets}


def _dataset(name: str, versions: dict[str, int]) -> pl.DataFrame:
    from warehouse import storage

    paths = storage.version_files(name, versions[name]).paths
    if not paths:
        raise io.InputError(f"warehouse dataset {name!r} has no files; {io.WAREHOUSE_HINT}")
    return pl.read_parquet(paths, hive_partitioning=False)


def _links(versions: dict[str, int]) -> pl.DataFrame:
    from warehouse.readers import LINK_PRIMARY, LINK_TYPES

    links = _dataset("ccm_link", versions).filter(
        pl.col("linktype").is_in(LINK_TYPES) & pl.col("linkprim").is_in(LINK_PRIMARY)
    )
    return (
        links.sort([pl.col("linkprim") == "P", "linkdt"], descending=[True, True])
        .unique("gvkey", keep="first")
        .select("gvkey", pl.col("lpermno").cast(pl.Int64).alias("permno"))
    )


def _fundamentals(kind: str, versions: dict[str, int], links: pl.DataFrame) -> pl.DataFrame:
    from warehouse.pit import known_date

    rows = _dataset(f"compustat_{kind}", versions)
    return rows.with_columns(known_date(kind).alias("available_date")).join(links, on="gvkey", how="inner")


def signal_inputs(
    *, daily: pl.DataFrame, dates: pl.Series, datasets: tuple[str, ...], versions: dict[str, int]
) -> SignalInputs:
    """:class:`SignalInputs` for signals reading ``datasets`` (``SignalDef.datasets``) over ``daily``.

    ``daily`` is ``crsp_daily`` as the readers return it (``permno, date, ret, prc, shrout``); the
    Compustat rows are read from ``versions`` exactly as :func:`load_research_data` reads them, and
    only when ``datasets`` names them (an unused one is an empty frame). The backtest loader calls
    this, so a backtest's signal sees the same rows as the research report of that signal.
    """
    empty = pl.DataFrame(schema={"permno": pl.Int64, "available_date": pl.Date, "datadate": pl.Date})
    frames = {"annual": empty, "quarterly": empty}
    kinds = [kind for kind in frames if f"compustat_{kind}" in datasets]
    if kinds:
        missing = [d for d in (*(f"compustat_{kind}" for kind in kinds), "ccm_link") if d not in versions]
        if missing:
            raise io.InputError(f"the warehouse has no {', '.join(missing)}; {io.WAREHOUSE_HINT}")
        links = _links(versions)
        frames.update({kind: _fundamentals(kind, versions, links) for kind in kinds})
    return SignalInputs(daily=daily, annual=frames["annual"], quarterly=frames["quarterly"], dates=dates)


NEEDED = ("crsp_daily", "crsp_names", "crsp_delist", "compustat_annual", "compustat_quarterly", "ccm_link")


def research_dataset_versions() -> dict[str, int]:
    """The current versions of the datasets the signal reports read (their data hash); raises
    ``InputError`` naming the missing ones."""
    versions = current_versions()
    missing = [d for d in NEEDED if d not in versions]
    if missing:
        raise io.InputError(f"the warehouse has no {', '.join(missing)}; {io.WAREHOUSE_HINT}")
    return {k: versions[k] for k in NEEDED}


def load_research_data() -> ResearchData:
    """Everything the canonical signals and their reports read, from the current warehouse versions."""
    versions = research_dataset_versions()
    start, end = io.warehouse_span()
    from warehouse import readers

    daily = readers.crsp_daily(start, end, columns=list(DAILY_COLUMNS))
    dates = calendars.month_ends(start, end)
    dates = dates.filter(dates <= daily["date"].max())
    inputs = signal_inputs(daily=daily, dates=dates, datasets=NEEDED, versions=versions)
    annual = inputs.annual
    sectors = (
        daily.filter(pl.col("date").is_in(dates.implode()))
        .select("date", "permno")
        .sort("date")
        .join_asof(
            annual.select("permno", "available_date", "gsector").drop_nulls().sort("available_date"),
            left_on="date", right_on="available_date", by="permno", check_sortedness=False,
        )
        .drop_nulls("gsector")
        .select("date", pl.col("permno").alias("asset"), pl.col("gsector").cast(pl.Utf8).alias("group"))
    )  # fmt: skip
    return ResearchData(
        inputs=inputs,
        prices=io.warehouse_prices(start, end),
        sectors=sectors,
        dataset_versions=versions,
        start=start,
        end=end,
    )
