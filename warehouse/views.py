from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from warehouse.selectors import dataset_summaries


def status(request: HttpRequest) -> HttpResponse:
    """The warehouse's datasets (current versions); an empty state names the command that builds them."""
    return render(request, "warehouse/status.html", {"summaries": dataset_summaries()})
