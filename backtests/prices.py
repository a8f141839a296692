"""Warehouse prices for the paper broker: a total-return price index per CRSP permno.

The paper broker (``quant.trading.paper``) fills and values at a :class:`~quant.trading.broker.Bar`.
A strategy that must replay its backtest needs prices whose day-to-day ratio is exactly the return
the engine earns, so the close is a **total-return index** built from the same ``ret`` panel the
backtest reads (CRSP total returns with delisting returns merged, ``backtests.data.load_inputs``):
``close = INDEX_BASE * prod(1 + ret)`` over the permno's rows from the warehouse's first date (a
null return counts as 0, as in the engine; the caller loads from there so that every run sees the
same level), rounded to the 8 stored decimals. Dividends are therefore
reinvested in the price instead of paid as cash; a real desk would book them as cash entries (the
ledger's ``dividend`` kind) — the same return, which is all the parity test needs. ``INDEX_BASE``
of $1,000 keeps both roundings (prices to 8 decimals, shares to 8 decimals) near 1e-12 of NAV.

Open = high = low = close (daily bars; the runner trades market-on-close); ``volume`` is CRSP's
share volume of the day (0 when missing). Symbols are permnos as text. A symbol has a bar only on
days with a returns row (delisted or not yet listed: None). :class:`CarryForward` serves the last
bar on or before a day instead: the price a delisted name was liquidated at (its last return) and
the valuation of a held name on a day without a row.
"""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal

import polars as pl

from quant.trading.broker import Bar

INDEX_BASE = 1000.0
"""Dollars: the index level of each permno before its first return."""


def price_index(returns: pl.DataFrame, volume: pl.DataFrame | None = None) -> pl.DataFrame:
    """``date, permno, close, volume`` from ``returns`` (``date, permno, ret``) and an optional
    ``volume`` (``date, permno, vol``, shares). Pure; see the module docstring."""
    frame = returns.sort("permno", "date").with_columns(
        close=(INDEX_BASE * (1.0 + pl.col("ret").fill_null(0.0)).cum_prod().over("permno"))
    )
    if volume is not None:
        frame = frame.join(volume.select("date", "permno", "vol"), on=["date", "permno"], how="left")
    else:
        frame = frame.with_columns(vol=pl.lit(None, dtype=pl.Float64))
    return frame.select("date", "permno", "close", volume=pl.col("vol").fill_null(0.0).cast(pl.Float64))


class WarehousePrices:
    """A :class:`~quant.trading.broker.PriceSource` over :func:`price_index` rows."""

    def __init__(self, index: pl.DataFrame) -> None:
        self._dates: dict[str, list[dt.date]] = {}
        self._rows: dict[str, list[tuple[float, float]]] = {}
        for permno, dates, closes, volumes in (
            index.sort("permno", "date")
            .group_by("permno", maintain_order=True)
            .agg("date", "close", "volume")
            .iter_rows()
        ):
            self._dates[str(permno)] = dates
            self._rows[str(permno)] = list(zip(closes, volumes, strict=True))

    def known(self, symbol: str) -> bool:
        return symbol in self._dates

    def _at(self, symbol: str, index: int) -> Bar:
        close, volume = self._rows[symbol][index]
        price = Decimal(f"{close:.8f}")
        return Bar(open=price, high=price, low=price, close=price, volume=Decimal(f"{volume:.0f}"))

    def bar(self, symbol: str, date: dt.date) -> Bar | None:
        dates = self._dates.get(symbol)
        if not dates:
            return None
        i = bisect.bisect_left(dates, date)
        return self._at(symbol, i) if i < len(dates) and dates[i] == date else None

    def last_bar(self, symbol: str, date: dt.date) -> Bar | None:
        """The bar of the last day on or before ``date`` with a row (None before the first)."""
        dates = self._dates.get(symbol)
        if not dates:
            return None
        i = bisect.bisect_right(dates, date) - 1
        return self._at(symbol, i) if i >= 0 else None


class CarryForward:
    """The same prices, with a symbol's last bar standing in on days it has none (see module docstring)."""

    def __init__(self, prices: WarehousePrices) -> None:
        self.prices = prices

    def known(self, symbol: str) -> bool:
        return self.prices.known(symbol)

    def bar(self, symbol: str, date: dt.date) -> Bar | None:
        return self.prices.last_bar(symbol, date)
