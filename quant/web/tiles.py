"""Home-page tile registry: each app puts its own overview tile on the console's home page.

Apps register in ``AppConfig.ready()`` (the console only renders what is registered, so no app
imports ``console``, and an app that is not installed simply has no tile)::

    from quant.web.tiles import Tile, register_tile

    def jobs_tile(user) -> dict:            # the template's context; a few queries at most
        return {"running": ..., "queued": ...}

    register_tile(Tile(key="jobs", title="Job queue", template="console/tiles/jobs.html",
                       context=jobs_tile, url_name="console:jobs", order=40))

A tile's ``context`` runs in the home page's request, in order, so it must be cheap: one or two
aggregate queries or a manifest read, never a computation (no fan-out per request). A tile with
``cache_seconds`` keeps its context in the cache for that long per user (the overview may lag by
that much; a tile that must be exact leaves it at 0). A tile that raises is shown as unavailable
with the error, never as a 500 of the home page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

logger = logging.getLogger("quantdesk.web")


@dataclass(frozen=True)
class Tile:
    key: str
    title: str
    template: str  # rendered with the context's mapping plus ``tile`` and ``tile_url``
    context: Callable[[Any], Mapping[str, Any]]  # (user) -> template context
    url_name: str  # where the tile links to (the page with the details)
    permission: str | None = None  # "app_label.codename"; None = any logged-in user
    order: int = 100
    cache_seconds: int = 0  # >0: the context is cached per user for that long


@dataclass(frozen=True)
class RenderedTile:
    tile: Tile
    url: str
    context: Mapping[str, Any]
    error: str = ""


#: How long the overview tiles of the shared apps may lag (the home page is an overview, not a
#: monitor: the pages they link to are exact).
TILE_CACHE_SECONDS = 15

_REGISTRY: dict[str, Tile] = {}


def register_tile(tile: Tile) -> None:
    """Add (or replace, by key) a tile. Lower ``order`` shows first."""
    _REGISTRY[tile.key] = tile


def unregister_tile(key: str) -> None:
    _REGISTRY.pop(key, None)


def registered_tiles() -> list[Tile]:
    return sorted(_REGISTRY.values(), key=lambda t: (t.order, t.key))


def visible_tiles(user: AbstractBaseUser | AnonymousUser) -> list[RenderedTile]:
    """The tiles ``user`` may see, each with its link and its context (computed now)."""
    if not user.is_authenticated:
        return []
    out = []
    for tile in registered_tiles():
        if tile.permission and not user.has_perm(tile.permission):
            continue
        try:
            url = reverse(tile.url_name)
        except NoReverseMatch:
            continue  # the page it links to does not exist (an app without URLs): no tile
        try:
            out.append(RenderedTile(tile, url, _context(tile, user)))
        except Exception as exc:  # one broken tile never takes the home page down
            logger.warning("Home tile %r raised", tile.key, exc_info=True)
            out.append(RenderedTile(tile, url, {}, error=f"{type(exc).__name__}: {exc}"))
    return out


def _context(tile: Tile, user: AbstractBaseUser) -> dict[str, Any]:
    if tile.cache_seconds <= 0:
        return dict(tile.context(user))
    joined = getattr(user, "date_joined", None)  # a re-created database reuses primary keys
    key = f"tiles:v1:{tile.key}:{user.pk}:{joined.timestamp() if joined else 0}"
    found = cache.get(key)
    if found is None:
        found = dict(tile.context(user))
        cache.set(key, found, tile.cache_seconds)
    return dict(found)
