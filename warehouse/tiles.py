"""The warehouse's home-page tile: how fresh each published dataset is (manifests only, no query)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from quant.web.tiles import TILE_CACHE_SECONDS, Tile, register_tile
from warehouse import storage
from warehouse.datasets import DATASETS


def freshness_tile(user: Any) -> dict[str, Any]:
    rows = []
    for name in DATASETS:
        version = storage.current_version(name)
        if version is None:
            continue
        manifest = storage.load_manifest(name, version)
        published = dt.datetime.fromisoformat(manifest.created)
        age = (timezone.now() - published).days
        rows.append({"dataset": name, "version": version, "date_max": manifest.date_max, "published": published,
                     "age_days": age, "validated": manifest.validation.passed})  # fmt: skip
    newest = max((r["date_max"] for r in rows if r["date_max"]), default=None)
    return {"rows": rows, "newest": newest, "missing": [d for d in DATASETS if d not in {r["dataset"] for r in rows}]}


def register_tiles() -> None:
    register_tile(Tile(key="freshness", title="Data freshness", template="warehouse/tiles/freshness.html",
                       context=freshness_tile, url_name="warehouse:status", order=30,
                       cache_seconds=TILE_CACHE_SECONDS))  # fmt: skip
