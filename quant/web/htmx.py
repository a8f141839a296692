"""Full page or fragment: the one place that decides (netbox's ``htmx_partial``).

An htmx request that targets a fragment gets only ``template#partial`` (django-template-partials);
a normal request, a boosted link and an htmx history-restore get the full page. ``Vary: HX-Request``
keeps caches from serving one for the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_fragment(request: HttpRequest) -> bool:
    details = getattr(request, "htmx", None)
    if details is not None:  # django_htmx.middleware.HtmxMiddleware
        return bool(details) and not details.boosted and not details.history_restore_request
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render_htmx(
    request: HttpRequest,
    template: str,
    partial: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render ``template#partial`` for htmx fragment requests, ``template`` otherwise."""
    name = f"{template}#{partial}" if wants_fragment(request) else template
    response = render(request, name, dict(context or {}), status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
