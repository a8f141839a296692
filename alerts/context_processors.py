"""The bell in the header: how many alerts are open (one COUNT per page, only for who may see alerts)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from alerts.selectors import open_alert_count


def bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("alerts.view_alert"):
        return {}
    return {"open_alerts": open_alert_count()}
