"""Home: an overview built from the tiles the apps registered (``quant.web.tiles``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from quant.web.tiles import visible_tiles


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "console/home.html", {"tiles": visible_tiles(request.user)})
