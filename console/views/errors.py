"""Error views with a clear message instead of Django's bare defaults."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger("quantdesk.security")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    logger.warning(
        "CSRF failure: %s %s user=%s ip=%s reason=%s",
        request.method,
        request.path,
        getattr(getattr(request, "user", None), "pk", None),
        request.META.get("REMOTE_ADDR"),
        reason,
    )
    return render(request, "errors/csrf.html", {"reason": reason}, status=403)
