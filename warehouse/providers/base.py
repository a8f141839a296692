"""The `DataProvider` protocol every market-data source implements, and its output contracts.

All frames are polars with a ``symbol`` column (the ticker asked for, upper case) so callers never
care which source answered; ``provider`` names the source of each row. Dates are inclusive.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

import polars as pl

BARS_SCHEMA = pl.Schema({
    "symbol": pl.Utf8(), "date": pl.Date(), "open": pl.Float64(), "high": pl.Float64(), "low": pl.Float64(),
    "close": pl.Float64(), "adj_close": pl.Float64(), "volume": pl.Float64(), "provider": pl.Utf8(),
})  # fmt: skip
RETURNS_SCHEMA = pl.Schema({"symbol": pl.Utf8(), "date": pl.Date(), "ret": pl.Float64(), "provider": pl.Utf8()})
METHODS = ("daily_bars", "total_returns", "fundamentals")


class ProviderError(RuntimeError):
    """A provider could not answer (source unavailable, storage missing, bad request)."""


class Unsupported(ProviderError):
    """The provider does not offer this kind of data (e.g. fundamentals from yfinance)."""


@runtime_checkable
class DataProvider(Protocol):
    """Daily bars, total returns and fundamentals for a universe of tickers over [start, end]."""

    name: str

    def daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        """`BARS_SCHEMA`; ``close`` unadjusted, ``adj_close`` adjusted for splits and dividends."""
        ...

    def total_returns(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        """`RETURNS_SCHEMA`; decimal daily total returns (dividends included)."""
        ...

    def fundamentals(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        """``symbol``, ``datadate`` and the compustat_annual columns of fiscal years ending in [start, end]."""
        ...


def normalise_symbols(symbols: list[str]) -> list[str]:
    out = [s.strip().upper() for s in symbols if s.strip()]
    if not out:
        raise ValueError("Give at least one symbol.")
    return list(dict.fromkeys(out))
