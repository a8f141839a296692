"""Reads for the core models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from quant.models import AccessLog, Strategy


def strategies_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Strategy]:
    """Strategies ``user`` was granted ``view_strategy`` on (per object; no global fallback)."""
    if not user.is_authenticated:
        return Strategy.objects.none()
    return get_objects_for_user(
        user, "quant.view_strategy", klass=Strategy.objects.select_related("owner"), accept_global_perms=False
    ).order_by("name")


@dataclass(frozen=True)
class AccessLogFilter:
    username: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None  # inclusive


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def access_logs(flt: AccessLogFilter) -> QuerySet[AccessLog]:
    """Access log rows, newest first, narrowed by ``flt``."""
    rows = AccessLog.objects.all()
    if flt.username:
        rows = rows.filter(username__iexact=flt.username)
    if flt.action:
        rows = rows.filter(action=flt.action)
    if flt.date_from:
        rows = rows.filter(timestamp__gte=_day_start(flt.date_from))
    if flt.date_to:
        rows = rows.filter(timestamp__lt=_day_start(date.fromordinal(flt.date_to.toordinal() + 1)))
    return rows.order_by("-timestamp", "-id")
