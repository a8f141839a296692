"""The backtests app's home-page tile: the latest runs."""

from __future__ import annotations

from typing import Any

from backtests.selectors import runs_visible_to
from quant.web.tiles import TILE_CACHE_SECONDS, Tile, register_tile

LATEST = 5


def latest_backtests_tile(user: Any) -> dict[str, Any]:
    """The newest top-level runs the user may open (a strategy's runs follow its grants;
    walk-forward candidates stay under their parent): one query."""
    runs = runs_visible_to(user).select_related("job").filter(parent__isnull=True).order_by("-job__created_at", "-pk")
    return {"runs": list(runs[:LATEST])}


def register_tiles() -> None:
    register_tile(Tile(key="backtests", title="Latest backtests", template="backtests/tiles/latest.html",
                       context=latest_backtests_tile, url_name="backtests:list",
                       permission="backtests.view_backtestrun", order=20,
                       cache_seconds=TILE_CACHE_SECONDS))  # fmt: skip
