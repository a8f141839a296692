"""Per-provider usage metrics: every provider call is recorded as a `ProviderUsage` row."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

import polars as pl
from django.db.models import Avg, Count, Max, Q, Sum
from django.utils import timezone

from warehouse.models_sync import ProviderUsage
from warehouse.providers.base import DataProvider

logger = logging.getLogger("quantdesk.providers")


@dataclass(frozen=True)
class UsageSummary:
    """Totals of one provider over a window (for the health page)."""

    provider: str
    calls: int
    rows: int
    failures: int
    mean_latency_ms: float
    max_latency_ms: float
    last_call: dt.datetime | None


def usage_summary(*, since: dt.timedelta | None = dt.timedelta(days=7)) -> list[UsageSummary]:
    """Calls, rows, failures and latency per provider over the last ``since`` (None: all time)."""
    rows = ProviderUsage.objects.all()
    if since is not None:
        rows = rows.filter(created__gte=timezone.now() - since)
    grouped = rows.values("provider").annotate(
        calls=Count("id"), rows_sum=Sum("rows"), failures=Count("id", filter=Q(ok=False)),
        mean=Avg("latency_ms"), worst=Max("latency_ms"), last=Max("created"),
    ).order_by("provider")  # fmt: skip
    return [
        UsageSummary(
            g["provider"],
            g["calls"],
            g["rows_sum"] or 0,
            g["failures"],
            round(g["mean"] or 0.0, 3),
            round(g["worst"] or 0.0, 3),
            g["last"],
        )  # fmt: skip
        for g in grouped
    ]


class MeteredProvider:
    """Wraps a provider; records calls, rows, latency and failures of each method call."""

    def __init__(self, inner: DataProvider) -> None:
        self.inner = inner
        self.name = inner.name

    def _call(self, method: str, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        began = time.perf_counter()
        try:
            frame: pl.DataFrame = getattr(self.inner, method)(symbols, start, end)
        except Exception as exc:
            self._record(method, 0, began, ok=False, error=f"{type(exc).__name__}: {exc}")
            raise
        self._record(method, frame.height, began, ok=True)
        return frame

    def _record(self, method: str, rows: int, began: float, *, ok: bool, error: str = "") -> None:
        latency = (time.perf_counter() - began) * 1000.0
        ProviderUsage.objects.create(provider=self.name, method=method, rows=rows, latency_ms=latency, ok=ok,
                                     error=error[:2000])  # fmt: skip

    def daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        return self._call("daily_bars", symbols, start, end)

    def total_returns(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        return self._call("total_returns", symbols, start, end)

    def fundamentals(self, symbols: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
        return self._call("fundamentals", symbols, start, end)
