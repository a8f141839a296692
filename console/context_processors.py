from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from quant.web.nav import visible_items
from warehouse.selectors import live_source


def console(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "nav_areas": visible_items(user) if user is not None else {},
        "jobs_in_process": not settings.CELERY_BROKER_URL,
        # the header says so when the prices every page reads are the simulated demo source
        "demo_data": bool(user is not None and user.is_authenticated and live_source() == "demo"),
    }
