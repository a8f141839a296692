"""The CRSP warehouse as a `DataProvider`: tickers are mapped to permnos point-in-time, returns include
delisting returns (through the warehouse readers), bars come from crsp_daily."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import polars as pl
from django.conf import settings
from django.utils.module_loading import import_string

from warehouse import readers
from warehouse.providers.base import BARS_SCHEMA, RETURNS_SCHEMA, ProviderError, normalise_symbols
from warehouse.storage import WarehouseError


class CrspReaders(Protocol):
    """The point-in-time warehouse reads the CRSP provider needs (the functions of ``warehouse.readers``).

    ``total_returns`` yields ``permno, date, total_ret`` (CRSP ``ret`` with the delisting return
    compounded in); ``fundamentals`` yields ``permno`` and the compustat_annual columns by datadate.
    """

    def ticker_to_permno(self, ticker: str, as_of: dt.date) -> int | None: ...

    def total_returns(self, start: dt.date, end: dt.date, *, permnos: list[int]) -> pl.DataFrame | pl.LazyFrame: ...

    def crsp_daily(self, start: dt.date, end: dt.date, *, permnos: list[int]) -> pl.DataFrame: ...

    def fundamentals(self, start: dt.date, end: dt.date, *, permnos: list[int]) -> pl.DataFrame: ...


def default_readers() -> CrspReaders:
    """``settings.CRSP_READERS`` (a factory's dotted path) if set, else the ``warehouse.readers`` module."""
    factory = getattr(settings, "CRSP_READERS", "")
    return import_string(factory)() if factory else readers


@contextmanager
def _unavailable_as_provider_error() -> Iterator[None]:
    """An unpublished dataset or a damaged file means "CRSP cannot answer": the fallback chain moves on."""
    try:
        yield
    except WarehouseError as exc:
        raise ProviderError(f"CRSP warehouse: {exc}") from exc


def _collect(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:  # readers.total_returns is lazy
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


class CrspProvider:
    name = "crsp"

    def __init__(self, readers: CrspReaders | None = None) -> None:
        self.readers = readers or default_readers()

    def _links(self, symbols: list[str], as_of: dt.date) -> pl.DataFrame:
        with _unavailable_as_provider_error():
            pairs = [(s, self.readers.ticker_to_permno(s, as_of)) for s in normalise_symbols(symbols)]
        found = [(s, p) for s, p in pairs if p is not None]
        return pl.DataFrame(found, schema={"symbol": pl.Utf8, "permno": pl.Int64}, orient="row")

    def total_returns(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        links = self._links(symbols, end)
        if links.height == 0:
            return pl.DataFrame(schema=RETURNS_SCHEMA)
        with _unavailable_as_provider_error():
            rets = _collect(self.readers.total_returns(start, end, permnos=links["permno"].to_list()))
        out = rets.join(links, on="permno").with_columns(ret=pl.col("total_ret"), provider=pl.lit(self.name))
        return out.select(list(RETURNS_SCHEMA)).cast(RETURNS_SCHEMA).sort("symbol", "date")

    def daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        """close = |prc| (CRSP marks bid/ask midpoints negative); adj_close is the total-return index
        scaled to equal the last close, i.e. adjusted back from the end like Yahoo's; open is not in
        crsp_daily (null); high/low are askhi/bidlo."""
        links = self._links(symbols, end)
        if links.height == 0:
            return pl.DataFrame(schema=BARS_SCHEMA)
        permnos = links["permno"].to_list()
        with _unavailable_as_provider_error():
            daily = _collect(self.readers.crsp_daily(start, end, permnos=permnos))
            rets = _collect(self.readers.total_returns(start, end, permnos=permnos))
        rets = rets.select("permno", "date", pl.col("total_ret").alias("tr"))
        bars = daily.join(rets, on=["permno", "date"], how="left").join(links, on="permno").sort("symbol", "date")
        growth = (1.0 + pl.col("tr").fill_null(0.0)).cum_prod().over("symbol")
        bars = bars.with_columns(close=pl.col("prc").abs()).with_columns(
            adj_close=pl.col("close").last().over("symbol") * growth / growth.last().over("symbol")
        )
        out = bars.select(
            "symbol", "date", pl.lit(None, dtype=pl.Float64).alias("open"), pl.col("askhi").alias("high"),
            pl.col("bidlo").alias("low"), "close", "adj_close", pl.col("vol").alias("volume"),
            pl.lit(self.name).alias("provider"),
        )  # fmt: skip
        return out.cast(BARS_SCHEMA)

    def fundamentals(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        links = self._links(symbols, end)
        if links.height == 0:
            raise ProviderError(f"No CRSP permno for {', '.join(normalise_symbols(symbols))} as of {end}.")
        with _unavailable_as_provider_error():
            funda = self.readers.fundamentals(start, end, permnos=links["permno"].to_list())
        return funda.join(links, on="permno").with_columns(provider=pl.lit(self.name)).sort("symbol", "datadate")
