"""Reads for the core models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from quant.jobs.kinds import get_kind
from quant.jobs.kinds import kinds as job_kinds
from quant.models import AccessLog, Job, Strategy


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
    name: str = ""  # part of the page or control name, e.g. "halt" or "auth.grant"
    object_type: str = ""  # e.g. "auth.user" (exact, case-insensitive)
    object_id: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def access_logs(flt: AccessLogFilter) -> QuerySet[AccessLog]:
    """Access log rows, newest first, narrowed by ``flt``."""
    rows = AccessLog.objects.all()
    if flt.username:
        rows = rows.filter(username__iexact=flt.username)
    if flt.action:
        rows = rows.filter(action=flt.action)
    if flt.name:
        rows = rows.filter(name__icontains=flt.name)
    if flt.object_type:
        rows = rows.filter(object_type__iexact=flt.object_type)
    if flt.object_id:
        rows = rows.filter(object_id=flt.object_id)
    if flt.date_from:
        rows = rows.filter(timestamp__gte=_day_start(flt.date_from))
    if flt.date_to:
        rows = rows.filter(timestamp__lt=_day_start(date.fromordinal(flt.date_to.toordinal() + 1)))
    return rows.order_by("-timestamp", "-id")


@dataclass(frozen=True)
class JobFilter:
    kind: str = ""
    status: str = ""
    username: str = ""


def _kind_perms_granted(user: AbstractBaseUser | AnonymousUser, attribute: str) -> list[str]:
    """Kinds whose ``view_permission`` / ``cancel_permission`` ``user`` holds."""
    return [k.name for k in job_kinds() if getattr(k, attribute) and user.has_perm(getattr(k, attribute))]


def jobs_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Job]:
    """Jobs ``user`` may see: their own, every kind whose view permission they hold, or all of them
    with ``quant.view_all_jobs``."""
    rows = Job.objects.select_related("requested_by")
    if not user.is_authenticated:
        return rows.none()
    if user.has_perm("quant.view_all_jobs"):
        return rows
    return rows.filter(Q(requested_by=user) | Q(kind__in=_kind_perms_granted(user, "view_permission")))


def jobs_filtered(user: AbstractBaseUser | AnonymousUser, flt: JobFilter) -> QuerySet[Job]:
    """The Jobs page: visible jobs narrowed by kind, status and requester, newest first."""
    rows = jobs_visible_to(user)
    if flt.kind:
        rows = rows.filter(kind=flt.kind)
    if flt.status:
        rows = rows.filter(status=flt.status)
    if flt.username:
        rows = rows.filter(requested_by__username__iexact=flt.username)
    return rows.order_by("-created_at", "-id")


def job_may_cancel(user: AbstractBaseUser | AnonymousUser, job: Job) -> bool:
    """Cancel (while active) or retry (once failed/cancelled): the requester, holders of
    ``quant.change_job``, or of the kind's cancel permission."""
    if not user.is_authenticated:
        return False
    if job.requested_by_id is not None and job.requested_by_id == user.pk:
        return True
    if user.has_perm("quant.change_job"):
        return True
    kind = get_kind(job.kind)
    return bool(kind and kind.cancel_permission and user.has_perm(kind.cancel_permission))


def job_may_retry(user: AbstractBaseUser | AnonymousUser, job: Job) -> bool:
    kind = get_kind(job.kind)
    retriable = kind is not None and kind.requeue is not None
    return retriable and job.status in (Job.Status.FAILED, Job.Status.CANCELLED) and job_may_cancel(user, job)
