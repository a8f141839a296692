"""Reads of the alert and report pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from alerts.models import Alert, AlertRule, Channel, Delivery
from alerts.models_reports import ReportRun, ReportSchedule

HISTORY_SHOWN = 200


def open_alert_count() -> int:
    return Alert.objects.filter(status=Alert.Status.OPEN).count()


def alert_history(*, status: str = "", severity: str = "", rule: AlertRule | None = None) -> QuerySet[Alert]:
    qs = Alert.objects.select_related("rule", "acknowledged_by").annotate(
        sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
        undelivered=Count("deliveries", filter=~Q(deliveries__status=Delivery.Status.SENT)),
    )
    if status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if rule is not None:
        qs = qs.filter(rule=rule)
    return qs.order_by("-last_seen", "-id")


def deliveries_of(**filters: Any) -> QuerySet[Delivery]:
    return Delivery.objects.filter(**filters).select_related("channel", "job").order_by("-created_at", "-id")


def rules() -> QuerySet[AlertRule]:
    return (
        AlertRule.objects.select_related("strategy")
        .prefetch_related("channels")
        .annotate(open_alerts=Count("alerts", filter=Q(alerts__status=Alert.Status.OPEN)))
    )


def channels() -> QuerySet[Channel]:
    return Channel.objects.annotate(
        sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
        dead=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.DEAD_LETTER)),
    )


def report_runs() -> QuerySet[ReportRun]:
    return ReportRun.objects.select_related("job", "schedule", "requested_by")


def report_schedules() -> QuerySet[ReportSchedule]:
    return ReportSchedule.objects.select_related("channel", "periodic_task")


def open_alerts_summary(limit: int = 5) -> dict[str, Any]:
    """The home page's tile: how many alerts are open, by severity, and the newest few."""
    open_ = Alert.objects.filter(status=Alert.Status.OPEN)
    by_severity = dict(open_.values_list("severity").annotate(n=Count("id")).order_by())
    newest = list(open_.select_related("rule").order_by("-last_seen", "-id")[:limit])
    return {"count": sum(by_severity.values()), "by_severity": by_severity, "newest": newest}
