from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from quant.audit import log_access
from quant.schedules import schedule_states
from quant.web.htmx import render_htmx
from warehouse import storage
from warehouse.schedules import SCHEDULES, embedded_mode, wrds_credentials_configured
from warehouse.selectors import dataset_summaries, sync_runs


def status(request: HttpRequest) -> HttpResponse:
    """The warehouse's datasets (current versions); an empty state names the command that builds them."""
    context = {"summaries": dataset_summaries(), "verification": storage.read_verify_record()}
    return render(request, "warehouse/status.html", context)


@require_GET
@log_access("warehouse.syncs")
def syncs(request: HttpRequest) -> HttpResponse:
    """Sync attempts, newest first; a running one shows the job progress partial (which polls its job)."""
    context = {
        "runs": list(sync_runs()),
        "schedules": [s.task for s in schedule_states(s.name for s in SCHEDULES) if s.task is not None],
        "schedules_note": _schedules_note(),
    }
    return render_htmx(request, "warehouse/syncs.html", "runs", context)


def _schedules_note() -> str:
    if not embedded_mode():
        return ""
    if not wrds_credentials_configured():
        return (
            "Embedded mode (no REDIS_URL) without WRDS credentials: the quickstart created the schedules "
            "disabled. Set WRDS_USERNAME (and WRDS_PASSWORD or ~/.pgpass), then run "
            "python manage.py schedules --enable wrds-incremental-nightly french-weekly."
        )
    return "Embedded mode (no REDIS_URL): no Celery beat runs here, so enabled schedules fire only under celery beat."
