"""Shared core models: strategies and the access log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Strategy(models.Model):
    """A trading strategy; who may see or change it is decided per object (django-guardian).

    Also carries the platform-wide control permissions: ``quant.use_controls`` (operate manual
    controls such as halting a strategy) and ``quant.manage_strategies``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        HALTED = "halted", "Halted"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_strategies")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "strategies"
        permissions = [
            ("use_controls", "Operate manual controls"),
            ("manage_strategies", "Create strategies and grant access to them"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("quant:strategy_detail", args=[self.pk])


class AccessLog(models.Model):
    """One row per page view of protected data, export, or manual control (who, what, why, from where).

    Rows are written only by `quant.services.access_log_create` and never edited.
    """

    class Action(models.TextChoices):
        VIEW = "view", "View"
        CONTROL = "control", "Control"
        EXPORT = "export", "Export"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_logs"
    )
    username = models.CharField(max_length=150, blank=True, help_text="kept if the user is deleted")
    action = models.CharField(max_length=16, choices=Action.choices)
    name = models.CharField(max_length=120, help_text="page or control name, e.g. 'strategy.halt'")
    path = models.CharField(max_length=500)
    method = models.CharField(max_length=8, default="GET")
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    timestamp = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["user", "-timestamp"], name="accesslog_user_ts"),
            models.Index(fields=["action", "-timestamp"], name="accesslog_action_ts"),
            models.Index(fields=["object_type", "object_id"], name="accesslog_object"),
        ]
        permissions = [
            ("view_audit", "Browse the audit log"),
            ("export_audit", "Export the audit log as CSV"),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.name}"
