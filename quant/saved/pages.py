"""Which page shows a saved result of each kind.

The shared core never imports the apps above it, so each app registers the URL name of its page
(taking the row's ``pk``) from its ``AppConfig.ready``::

    register_page("attribution", "research:saved_attribution")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

if TYPE_CHECKING:
    from quant.models import SavedResult

_PAGES: dict[str, str] = {}


def register_page(kind: str, url_name: str) -> None:
    """Show saved results of ``kind`` at ``url_name`` (idempotent; another name for a taken kind fails)."""
    existing = _PAGES.get(kind)
    if existing is not None and existing != url_name:
        raise ValueError(f"Saved-result kind {kind!r} already opens at {existing!r}.")
    _PAGES[kind] = url_name


def page_url(saved: SavedResult) -> str | None:
    """The console path of ``saved`` (None when no app registered a page for its kind)."""
    url_name = _PAGES.get(saved.kind)
    return reverse(url_name, args=[saved.pk]) if url_name else None
