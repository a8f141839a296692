"""Alert writes: evaluate rules, raise (deduplicated, with cool-down), resolve, acknowledge.

An alert is raised by the beat evaluation (``alerts_evaluate``) or at once by a platform event
(``alerts.receivers``). One unresolved alert per rule and subject: a repeat bumps ``last_seen`` and
``occurrences``; it notifies again only after the rule's cool-down. Subjects that no longer meet
the condition are resolved by the next evaluation.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.conditions import EVALUATORS, Finding
from alerts.delivery import delivery_create
from alerts.models import Alert, AlertRule

logger = logging.getLogger("quantdesk.alerts")
UNRESOLVED = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED)


class AlertError(ValueError):
    """A request the alert services refuse (one line, shown as is)."""


@dataclass
class EvaluationReport:
    raised: list[int] = field(default_factory=list)
    repeated: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def alert_raise(*, rule: AlertRule, finding: Finding, now: dt.datetime | None = None) -> tuple[Alert, bool]:
    """Open (or refresh) the alert of ``rule`` about ``finding.subject``; notify unless in cool-down.
    Returns the alert and whether a notification was queued."""
    now = now or timezone.now()
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update().filter(rule=rule, subject=finding.subject, status__in=UNRESOLVED).first()
        )
        if alert is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        rule=rule, subject=finding.subject, severity=rule.severity, message=finding.message[:500],
                        value=finding.value, first_seen=now, last_seen=now,
                    )  # fmt: skip
            except IntegrityError:  # a concurrent evaluation opened it first: treat as a repeat
                alert = Alert.objects.select_for_update().get(rule=rule, subject=finding.subject, status__in=UNRESOLVED)
            else:
                return alert, _notify(alert, now)
        alert.last_seen, alert.value, alert.message = now, finding.value, finding.message[:500]
        alert.occurrences += 1
        alert.save(update_fields=["last_seen", "value", "message", "occurrences"])
        cooled = alert.notified_at is None or now - alert.notified_at >= dt.timedelta(minutes=rule.cooldown_minutes)
        notified = alert.status == Alert.Status.OPEN and cooled and _notify(alert, now)
        return alert, notified


def _notify(alert: Alert, now: dt.datetime) -> bool:
    channels = [c for c in alert.rule.channels.all() if c.enabled]
    for channel in channels:
        delivery_create(channel=channel, alert=alert, title=f"[{alert.severity}] {alert.rule.name}: {alert.subject}",
                        body=_body(alert))  # fmt: skip
    alert.notified_at = now
    alert.save(update_fields=["notified_at"])
    return bool(channels)


def _body(alert: Alert) -> str:
    lines = [alert.message, "", f"Rule: {alert.rule.name} ({alert.rule.get_kind_display()})",
             f"Severity: {alert.severity}", f"First seen: {alert.first_seen:%Y-%m-%d %H:%M} UTC"]  # fmt: skip
    if alert.occurrences > 1:
        lines.append(f"Seen {alert.occurrences} times, last {alert.last_seen:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines)


def alert_resolve(*, alert: Alert, now: dt.datetime | None = None) -> bool:
    """Close an unresolved alert (the condition cleared); False when it was already resolved."""
    return bool(
        Alert.objects.filter(pk=alert.pk, status__in=UNRESOLVED).update(
            status=Alert.Status.RESOLVED, resolved_at=now or timezone.now()
        )
    )


def alert_acknowledge(*, alert: Alert, user: Any, note: str) -> Alert:
    """A person has seen it: no more notifications for it; it stays until the condition clears."""
    if alert.status != Alert.Status.OPEN:
        raise AlertError(f"Alert #{alert.pk} is {alert.status}; only open alerts can be acknowledged.")
    alert.status, alert.acknowledged_by, alert.acknowledged_at = Alert.Status.ACKNOWLEDGED, user, timezone.now()
    alert.ack_note = note.strip()
    alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "ack_note"])
    return alert


def rule_evaluate(
    *, rule: AlertRule, now: dt.datetime | None = None, report: EvaluationReport | None = None
) -> EvaluationReport:
    """Raise what holds now, resolve what cleared (rules whose kind is event-only are left alone)."""
    now = now or timezone.now()
    report = report or EvaluationReport()
    evaluator = EVALUATORS.get(rule.kind)
    if evaluator is None:
        return report
    findings = evaluator(rule, now)
    for finding in findings:
        alert, notified = alert_raise(rule=rule, finding=finding, now=now)
        (report.raised if alert.occurrences == 1 else report.repeated).append(alert.pk)
    held = {f.subject for f in findings}
    for alert in Alert.objects.filter(rule=rule, status__in=UNRESOLVED).exclude(subject__in=held):
        if alert_resolve(alert=alert, now=now):
            report.resolved.append(alert.pk)
    return report


def alerts_evaluate(*, now: dt.datetime | None = None) -> EvaluationReport:
    """Every enabled rule once (beat: ``alerts: evaluate rules``); one broken rule never stops the others."""
    report = EvaluationReport()
    for rule in AlertRule.objects.filter(enabled=True).select_related("strategy"):
        try:
            rule_evaluate(rule=rule, now=now, report=report)
        except Exception as exc:  # a rule reading a missing artifact must not silence the rest
            logger.exception("alert rule %s failed to evaluate", rule.pk)
            report.errors.append(f"{rule.name}: {type(exc).__name__}: {exc}")
    return report


def event_raise(*, kind: str, subject: str, message: str, value: float | None = None) -> list[int]:
    """An event happened (a failed job or sync, a breaker trip): raise it on every enabled rule of ``kind``."""
    ids = []
    for rule in AlertRule.objects.filter(enabled=True, kind=kind):
        alert, _ = alert_raise(rule=rule, finding=Finding(subject, value, message))
        ids.append(alert.pk)
    return ids


def event_clear(*, kind: str, subject: str) -> int:
    """The event's condition cleared (the breaker was reset): resolve its alerts."""
    now = timezone.now()
    return Alert.objects.filter(rule__kind=kind, subject=subject, status__in=UNRESOLVED).update(
        status=Alert.Status.RESOLVED, resolved_at=now
    )


def rule_send_test(*, rule: AlertRule, user: Any) -> int:
    """Send a test message to the rule's channels (each a delivery like any other); returns how many."""
    who = user.get_username() if user is not None else "someone"
    channels = [c for c in rule.channels.all() if c.enabled]
    if not channels:
        raise AlertError(f"Rule {rule.name!r} has no enabled channel to send a test to.")
    for channel in channels:
        delivery_create(
            channel=channel,
            title=f"[test] {rule.name}",
            body=f"Test of alert rule {rule.name!r} ({rule.get_kind_display()}), sent by {who}.",
        )
    return len(channels)
