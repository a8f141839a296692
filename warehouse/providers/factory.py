"""Choose a provider from settings (``DATA_PROVIDER=auto|crsp|yfinance``) and chain fallbacks.

``auto`` asks the CRSP warehouse first and, in development only, yfinance for the symbols CRSP could
not answer. Under production settings the chain is CRSP alone and ``yfinance`` is refused.
"""

from __future__ import annotations

import datetime as dt
import logging

import polars as pl
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from warehouse.providers.base import DataProvider, ProviderError, normalise_symbols
from warehouse.providers.crsp import CrspProvider
from warehouse.providers.metrics import MeteredProvider
from warehouse.providers.yfinance import YFinanceProvider
from warehouse.sources.yahoo import DEV_WARNING, ensure_development_allowed, is_production

logger = logging.getLogger("quantdesk.providers")
CHOICES = ("auto", "crsp", "yfinance")


class FallbackProvider:
    """Asks each provider in turn for the symbols the previous ones did not return."""

    def __init__(self, providers: list[DataProvider]) -> None:
        if not providers:
            raise ValueError("A fallback chain needs at least one provider.")
        self.providers = providers
        self.name = "+".join(p.name for p in providers)
        self.errors: dict[str, str] = {}

    def _call(self, method: str, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        remaining = normalise_symbols(symbols)
        frames: list[pl.DataFrame] = []
        for provider in self.providers:
            try:
                frame = getattr(provider, method)(remaining, start, end)
            except (ProviderError, ImproperlyConfigured) as exc:
                self.errors[provider.name] = str(exc)
                logger.warning("%s.%s failed (%s); trying the next provider.", provider.name, method, exc)
                continue
            if frame.height:
                frames.append(frame)
                got = set(frame["symbol"].unique().to_list())
                remaining = [s for s in remaining if s not in got]
            if not remaining:
                break
        if not frames:
            detail = "; ".join(f"{k}: {v}" for k, v in self.errors.items()) or "no provider had data"
            raise ProviderError(f"No data for {', '.join(normalise_symbols(symbols))} ({detail}).")
        return pl.concat(frames, how="diagonal_relaxed")

    def daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        return self._call("daily_bars", symbols, start, end)

    def total_returns(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        return self._call("total_returns", symbols, start, end)

    def fundamentals(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        return self._call("fundamentals", symbols, start, end)


def get_provider(name: str | None = None) -> DataProvider:
    """The provider named by ``name`` or ``settings.DATA_PROVIDER`` (default "auto"), with usage metrics."""
    choice = (name or getattr(settings, "DATA_PROVIDER", "auto") or "auto").lower()
    if choice not in CHOICES:
        raise ImproperlyConfigured(f"DATA_PROVIDER={choice!r}; choose one of {', '.join(CHOICES)}.")
    if choice == "crsp":
        return MeteredProvider(CrspProvider())
    if choice == "yfinance":
        ensure_development_allowed()
        return MeteredProvider(YFinanceProvider())
    chain: list[DataProvider] = [MeteredProvider(CrspProvider())]
    if is_production():
        logger.info("DATA_PROVIDER=auto under production settings: CRSP only (no yfinance fallback).")
    else:
        logger.info("DATA_PROVIDER=auto: CRSP, then yfinance in development. %s", DEV_WARNING)
        chain.append(MeteredProvider(YFinanceProvider()))
    return FallbackProvider(chain)
