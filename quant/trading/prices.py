"""An in-memory :class:`~quant.trading.broker.PriceSource` over a table of daily bars.

For replays over bars already read (a higher floor reads the warehouse once and hands the rows
down), for imports that bring their own prices, and for tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from quant.trading.broker import Bar


class StaticPrices:
    """Bars keyed by ``(symbol, date)``; ``known`` is any symbol with at least one bar."""

    def __init__(self, bars: Mapping[tuple[str, dt.date], Bar]) -> None:
        self.bars = dict(bars)
        self.symbols = {symbol for symbol, _ in self.bars}

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, dt.date, object, object, object, object, object]]) -> StaticPrices:
        """From ``(symbol, date, open, high, low, close, volume)`` rows (numbers as str/float/Decimal)."""
        bars = {}
        for symbol, date, o, h, low, c, v in rows:
            bars[(symbol, date)] = Bar(*(Decimal(str(x)) for x in (o, h, low, c, v)))
        return cls(bars)

    def bar(self, symbol: str, date: dt.date) -> Bar | None:
        return self.bars.get((symbol, date))

    def known(self, symbol: str) -> bool:
        return symbol in self.symbols

    def closes(self, date: dt.date) -> dict[str, Decimal]:
        """``{symbol: close}`` of every symbol with a bar on ``date``."""
        return {symbol: bar.close for (symbol, day), bar in self.bars.items() if day == date}
