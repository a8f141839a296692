"""Home-page tile registry: each app puts its own overview tile on the console's home page.

Apps register in ``AppConfig.ready()`` (the console only renders what is registered, so no app
imports ``console``, and an app that is not installed simply has no tile)::

    from quant.web.tiles import Tile, register_tile

    def jobs_tile(user) -> dict:            # the template's context; a few queries at most
        return {"running": ..., "queued": ...}

    register_tile(Tile(key="jobs", title="Job queue", template="console/tiles/jobs.html",
                       context=jobs_tile, url_name="console:jobs", order=40))

A tile's ``context`` runs in the home page's request, in order, so it must be cheap: one or two
aggregate queries or a manifest read, never a computation (no fan-out per request). A tile that
raises is shown as unavailable with the error, never as a 500 of the home page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
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


@dataclass(frozen=True)
class RenderedTile:
    tile: Tile
    url: str
    context: Mapping[str, Any]
    error: str = ""


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
            out.append(RenderedTile(tile, url, dict(tile.context(user))))
        except Exception as exc:  # one broken tile never takes the home page down
            logger.warning("Home tile %r raised", tile.key, exc_info=True)
            out.append(RenderedTile(tile, url, {}, error=f"{type(exc).__name__}: {exc}"))
    return out
