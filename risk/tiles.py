"""The risk app's home-page tile: the risk model's status."""

from __future__ import annotations

from typing import Any

from quant.web.tiles import TILE_CACHE_SECONDS, Tile, register_tile
from risk.selectors import recent_runs, succeeded_runs


def risk_model_tile(user: Any) -> dict[str, Any]:
    """The newest build (any status) and the newest succeeded one: two small queries, no model load."""
    latest = next(iter(recent_runs(limit=1)), None)
    good = succeeded_runs().first()
    return {"latest": latest, "good": good}


def register_tiles() -> None:
    register_tile(Tile(key="risk", title="Risk model", template="risk/tiles/status.html",
                       context=risk_model_tile, url_name="risk:dashboard", order=40,
                       cache_seconds=TILE_CACHE_SECONDS))  # fmt: skip
