"""Rows of the operations controls: circuit breaker state and history, the versioned trading
configuration, and one row per manual control (idempotency key, before/after state).

Written only by :mod:`quant.trading.breaker`, :mod:`quant.trading.config` and
:mod:`quant.trading.controls`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CircuitBreaker(models.Model):
    """The circuit breaker's current state: one row (pk 1). Redis mirrors it when configured; in
    embedded mode (no Redis) this row is the state. It is also the lock that serialises
    transitions (``select_for_update``) and remembers the last reset for the one-per-minute rule."""

    tripped = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    by = models.CharField(max_length=150, blank=True, help_text="user name or rule name")
    rule = models.CharField(max_length=32, blank=True, help_text="manual, daily_loss, drawdown, ...")
    changed_at = models.DateTimeField(null=True, blank=True)
    last_reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="circuitbreaker_singleton")]

    def __str__(self) -> str:
        return "tripped" if self.tripped else "armed"


class BreakerEvent(models.Model):
    """One transition of the circuit breaker (trip or reset): who or what, why, when."""

    class Kind(models.TextChoices):
        TRIP = "trip", "Tripped"
        RESET = "reset", "Reset (armed)"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    rule = models.CharField(max_length=32, blank=True, help_text="manual, daily_loss, drawdown, reject_storm, ...")
    reason = models.TextField()
    by = models.CharField(max_length=150, help_text="user name or rule name")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.by} at {self.at:%Y-%m-%d %H:%M:%S}"


class TradingConfig(models.Model):
    """One version of the system's trading configuration (hours, calendar, risk limits, order
    size limits, default costs). The highest version is in force; rows are never edited."""

    version = models.PositiveIntegerField(unique=True)
    data = models.JSONField(help_text="TradingSettings.as_json()")
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"trading config v{self.version}"


class ControlAction(models.Model):
    """One manual trade control (cancel, close, flatten, adjust) as it was done: the form's
    idempotency key (a second submit of the same form acts once), who, why, before and after."""

    key = models.CharField(max_length=64, unique=True, help_text="the form's idempotency key")
    action = models.CharField(max_length=32)
    strategy = models.ForeignKey(
        "quant.Strategy", null=True, blank=True, on_delete=models.PROTECT, related_name="control_actions"
    )
    target = models.CharField(max_length=120, blank=True, help_text="order id, symbol or 'all'")
    reason = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target} ({self.key})"
