"""The shared core's home-page tiles: strategies' P&L today and the job queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from quant.models import Job
from quant.selectors import jobs_visible_to, strategies_for
from quant.trading.models import PnLSnapshot
from quant.web.tiles import TILE_CACHE_SECONDS, Tile, register_tile

PNL_ROWS = 8


def _snapshot(field: str, offset: int) -> Subquery:
    newest = PnLSnapshot.objects.filter(strategy=OuterRef("pk")).order_by("-date")
    return Subquery(newest.values(field)[offset : offset + 1])


def pnl_tile(user: Any) -> dict[str, Any]:
    """Latest equity and day P&L (equity change less capital contributed that day) of each strategy
    the user may see: one query for the strategies with their last two snapshots."""
    strategies = strategies_for(user).annotate(
        day=_snapshot("date", 0), equity=_snapshot("equity", 0), contributed=_snapshot("contributed", 0),
        daily_return=_snapshot("daily_return", 0), prev_equity=_snapshot("equity", 1),
        prev_contributed=_snapshot("contributed", 1),
    )  # fmt: skip
    rows = []
    for s in strategies:
        if s.day is None:
            continue
        day_pnl = None
        if s.prev_equity is not None:
            day_pnl = (s.equity - s.prev_equity) - (s.contributed - (s.prev_contributed or 0))
        rows.append({"strategy": s, "day": s.day, "equity": s.equity, "day_pnl": day_pnl,
                     "day_return_pct": None if s.daily_return is None else 100 * s.daily_return})  # fmt: skip
    rows.sort(key=lambda r: (r["day"], r["strategy"].name), reverse=True)
    return {"rows": rows[:PNL_ROWS], "more": max(0, len(rows) - PNL_ROWS)}


def jobs_tile(user: Any) -> dict[str, Any]:
    """Queued and running jobs now, failures in the last 24 h (one aggregate query)."""
    since = timezone.now() - timedelta(hours=24)
    counts = jobs_visible_to(user).aggregate(
        queued=Count("pk", filter=Q(status=Job.Status.QUEUED)),
        running=Count("pk", filter=Q(status=Job.Status.RUNNING)),
        failed_24h=Count("pk", filter=Q(status=Job.Status.FAILED, finished_at__gte=since)),
        succeeded_24h=Count("pk", filter=Q(status=Job.Status.SUCCEEDED, finished_at__gte=since)),
    )
    return counts


def register_tiles() -> None:
    register_tile(Tile(key="pnl", title="Strategies: P&L today", template="quant/tiles/pnl.html",
                       context=pnl_tile, url_name="quant:strategy_list", order=10,
                       cache_seconds=TILE_CACHE_SECONDS))  # fmt: skip
    register_tile(Tile(key="jobs", title="Job queue", template="quant/tiles/jobs.html",
                       context=jobs_tile, url_name="console:jobs", order=50,
                       cache_seconds=TILE_CACHE_SECONDS))  # fmt: skip
