"""Audit trail: django-auditlog on the models that matter, and `log_access` for data pages."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from quant.services import access_log_create
from quant.web.htmx import wants_fragment

ViewFunc = Callable[..., HttpResponse]
# A fragment URL fetched again within this window (a poll, a re-sort back and forth) is the same
# view of the same data: one row is enough.
FRAGMENT_DEDUP_SECONDS = 30 * 60


def _seen_key(request: HttpRequest, page_name: str) -> str:
    session = getattr(request, "session", None)
    who = (session.session_key if session is not None else None) or str(getattr(request.user, "pk", ""))
    digest = hashlib.sha256(f"{who}|{page_name}|{request.get_full_path()}".encode()).hexdigest()[:32]
    return f"audit:seen:{digest}"


def log_access(page_name: str, *, action: str = "view", part_of_page: bool = False) -> Callable[[ViewFunc], ViewFunc]:
    """Record an AccessLog row once per view of the decorated page (successful requests only).

    A full page (a normal request, a new tab, a boosted link) is always recorded. An htmx fragment
    request is recorded only the first time the session fetches that URL (a filter or a drill
    shows new data; the 2-second poll of the same URL does not). ``part_of_page=True`` is for
    fragments that only fill in a page already recorded (dashboard tiles, run lists): their htmx
    requests are never recorded, their full-page opens are.

    URL keyword arguments named ``pk``/``id``/``*_id`` are stored as the object id::

        @log_access("risk.exposures")
        def exposures(request): ...
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code >= 400:
                return response
            if wants_fragment(request):
                # cache.add is atomic: of two concurrent polls only one writes.
                if part_of_page or not cache.add(_seen_key(request, page_name), 1, FRAGMENT_DEDUP_SECONDS):
                    return response
            else:
                cache.set(_seen_key(request, page_name), 1, FRAGMENT_DEDUP_SECONDS)
            object_id = next((str(v) for k, v in kwargs.items() if k in {"pk", "id"} or k.endswith("_id")), "")
            access_log_create(request=request, action=action, name=page_name, object_id=object_id)
            return response

        return wrapped

    return decorator


def register_auditlog() -> None:
    """Track changes on users, roles, strategies, second factors and schedules (called from ready())."""
    from auditlog.registry import auditlog
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from quant.models import Strategy

    targets: list[tuple[type, dict[str, Any]]] = [
        (get_user_model(), {"exclude_fields": ["password", "last_login"], "m2m_fields": {"groups"}}),
        (Group, {"m2m_fields": {"permissions"}}),
        (Strategy, {}),
        # Secrets never go into the log, only that a device was added, confirmed or removed.
        (
            TOTPDevice,
            {
                "exclude_fields": [
                    "key",
                    "last_t",
                    "drift",
                    "throttling_failure_timestamp",
                    "throttling_failure_count",
                    "last_used_at",
                ]
            },
        ),
        (
            StaticDevice,
            {"exclude_fields": ["throttling_failure_timestamp", "throttling_failure_count", "last_used_at"]},
        ),
        (PeriodicTask, {"exclude_fields": ["last_run_at", "total_run_count", "date_changed"]}),
        (CrontabSchedule, {}),
        (IntervalSchedule, {}),
    ]
    for model, options in targets:
        if not auditlog.contains(model):
            auditlog.register(model, **options)
