"""Audit trail: django-auditlog on the models that matter, and `log_access` for data pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from quant.services import access_log_create

ViewFunc = Callable[..., HttpResponse]


def log_access(page_name: str, *, action: str = "view") -> Callable[[ViewFunc], ViewFunc]:
    """Record an AccessLog row for every successful (status < 400) request to the decorated view.

    URL keyword arguments named ``pk``/``id``/``*_id`` are stored as the object id::

        @log_access("risk.exposures")
        def exposures(request): ...
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code < 400:
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
