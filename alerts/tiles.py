"""The alerts app's home-page tile: open alerts by severity and the newest few, linking to them."""

from __future__ import annotations

from typing import Any

from alerts.selectors import open_alerts_summary
from quant.web.tiles import TILE_CACHE_SECONDS, Tile, register_tile


def open_alerts_tile(user: Any) -> dict[str, Any]:
    return open_alerts_summary()


def register_tiles() -> None:
    register_tile(Tile(key="open_alerts", title="Open alerts", template="alerts/tiles/open.html",
                       context=open_alerts_tile, url_name="alerts:history", permission="alerts.view_alert",
                       order=15, cache_seconds=TILE_CACHE_SECONDS))  # fmt: skip
