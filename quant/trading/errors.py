"""The one error type of the trading services (a ``ValueError``: bad input, one line for people)."""

from __future__ import annotations


class TradingError(ValueError):
    """A request the trading core refuses; ``str(exc)`` is a one-line reason. Nothing was written."""
