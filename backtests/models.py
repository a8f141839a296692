"""Backtest job rows: what was asked, on which data and code, where it stands, where results are."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class BacktestRun(models.Model):
    """One backtest job and its result.

    Lifecycle: ``queued -> running -> succeeded | failed | cancelled`` (a run whose worker died is
    put back to ``queued`` by the reaper while ``attempts < max``). The series live in Parquet
    under ``BACKTESTS_DIR/<id>/`` (``result_path``) with a ``result.json`` manifest; the row keeps
    the headline numbers. ``config_hash`` + ``data_hash`` identify the computation: at most one
    queued, running or succeeded run exists per pair (the same config on the same data versions
    returns the existing run). Runs that are ``pinned`` or ``referenced_by`` something (a golden
    test, a report, a model) are never pruned.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Priority(models.TextChoices):
        LOW = "low"
        NORMAL = "normal"
        HIGH = "high"

    class Kind(models.TextChoices):
        SINGLE = "single"
        WALK_FORWARD = "walk_forward"

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SINGLE)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    config = models.JSONField()
    config_hash = models.CharField(max_length=64, db_index=True)
    dataset_versions = models.JSONField(default=dict)
    data_hash = models.CharField(max_length=64)
    code_version = models.CharField(max_length=100)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    celery_task_id = models.CharField(max_length=64, blank=True)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    result_path = models.CharField(max_length=500, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    total_return = models.FloatField(null=True, blank=True)
    cagr = models.FloatField(null=True, blank=True)
    volatility = models.FloatField(null=True, blank=True)
    sharpe = models.FloatField(null=True, blank=True)
    max_drawdown = models.FloatField(null=True, blank=True)
    turnover = models.FloatField(null=True, blank=True, help_text="annualised one-sided turnover")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="backtest_runs")
    strategy = models.ForeignKey(
        "quant.Strategy", null=True, blank=True, on_delete=models.SET_NULL, related_name="backtest_runs"
    )
    pinned = models.BooleanField(default=False)
    referenced_by = models.CharField(max_length=200, blank=True, help_text="what depends on this run")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["config_hash", "data_hash"],
                condition=Q(status__in=["queued", "running", "succeeded"], parent__isnull=True),
                name="backtestrun_one_live_run_per_config_and_data",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="backtestrun_progress_0_100"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "cancelled"]),
                name="backtestrun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=["low", "normal", "high"]), name="backtestrun_priority_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | ~Q(result_path=""), name="backtestrun_succeeded_has_results"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="backtestrun_status_heartbeat"),
            models.Index(fields=["owner", "-created_at"], name="backtestrun_owner_created"),
        ]

    def __str__(self) -> str:
        return f"Backtest #{self.pk} {self.label or self.config_hash[:12]} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_protected(self) -> bool:
        return self.pinned or bool(self.referenced_by)
