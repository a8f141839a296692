"""The real URLconf plus one view someone forgot to protect (proves the URL walk catches it)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as real_patterns


@login_not_required
def leaky(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("positions of every strategy")


urlpatterns = [*real_patterns, path("leak/<int:pk>/", leaky, name="leak")]
