"""yfinance as a `DataProvider` (development only; see `warehouse.sources.yahoo`)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from warehouse.providers.base import BARS_SCHEMA, RETURNS_SCHEMA, Unsupported, normalise_symbols
from warehouse.sources.yahoo import YahooClient, ensure_development_allowed, returns_from_bars


class YFinanceProvider:
    name = "yfinance"

    def __init__(self, client: YahooClient | None = None) -> None:
        ensure_development_allowed()
        self._client = client
        self.missing: dict[str, str] = {}

    @property
    def client(self) -> YahooClient:
        if self._client is None:  # created on first use: it logs the development-data warning
            self._client = YahooClient()
        return self._client

    def _bars(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        bars, missing = self.client.bars(normalise_symbols(symbols), start, end)
        self.missing.update(missing)
        return bars

    def daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        bars = self._bars(symbols, start, end).with_columns(provider=pl.lit(self.name))
        return bars.select(list(BARS_SCHEMA)).cast(BARS_SCHEMA)

    def total_returns(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        rets = returns_from_bars(self._bars(symbols, start, end)).with_columns(provider=pl.lit(self.name))
        return rets.select(list(RETURNS_SCHEMA)).cast(RETURNS_SCHEMA)

    def fundamentals(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        raise Unsupported("yfinance provides no point-in-time fundamentals; use the CRSP/Compustat warehouse.")
