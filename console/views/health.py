"""System health page (live checks, htmx-polled) and the anonymous liveness probe."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from console import latency
from quant.web.health import health_snapshot, overall_status
from quant.web.htmx import render_htmx

REFRESH_SECONDS = 5
SPARKLINE_POINTS = 120


@never_cache
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    snapshot = health_snapshot()  # the last background run, with its age: no per-request fan-out
    context = {
        "outcomes": snapshot.outcomes,
        "overall": overall_status(outcome.result.status for outcome in snapshot.outcomes),
        "checked_at": snapshot.checked_at,
        "age_seconds": round(snapshot.age_seconds),
        "refresh_seconds": REFRESH_SECONDS,
        "latency_history": latency.recent(SPARKLINE_POINTS),
    }
    return render_htmx(request, "console/health.html", "cards", context)


@login_not_required
@never_cache
@require_GET
def liveness(request: HttpRequest) -> HttpResponse:
    """The process is up and serving requests. Touches no service, reveals nothing."""
    return HttpResponse("ok", content_type="text/plain")
