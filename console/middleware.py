"""Request latency recorder (P50/P95/P99 on the health page)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from console import latency

# The health page polls every few seconds and waits on its own checks (a Celery control ping
# always takes its full timeout); counting the monitoring endpoints would skew the percentiles
# they report toward themselves.
UNRECORDED_VIEWS = frozenset({"console:health", "console:liveness"})


class RequestLatencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in UNRECORDED_VIEWS:
            return response
        if not request.path.startswith("/static/"):
            latency.record(elapsed_ms)
        return response
