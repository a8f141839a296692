"""The backtests app's home-page tile: the latest runs."""

from __future__ import annotations

from typing import Any

from backtests.models import BacktestRun
from quant.web.tiles import Tile, register_tile

LATEST = 5


def latest_backtests_tile(user: Any) -> dict[str, Any]:
    """The newest top-level runs (walk-forward candidates stay under their parent): one query."""
    runs = BacktestRun.objects.select_related("job").filter(parent__isnull=True).order_by("-job__created_at", "-pk")
    return {"runs": list(runs[:LATEST])}


def register_tiles() -> None:
    register_tile(Tile(key="backtests", title="Latest backtests", template="backtests/tiles/latest.html",
                       context=latest_backtests_tile, url_name="backtests:list",
                       permission="backtests.view_backtestrun", order=20))  # fmt: skip
