"""System health page (live checks, htmx-polled) and the anonymous liveness probe."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from console import latency
from quant.web.health import overall_status, run_checks
from quant.web.htmx import render_htmx

REFRESH_SECONDS = 5
SPARKLINE_POINTS = 120


@never_cache
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    outcomes = run_checks()
    context = {
        "outcomes": outcomes,
        "overall": overall_status(outcome.result.status for outcome in outcomes),
        "checked_at": timezone.now(),
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
