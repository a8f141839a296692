"""Shared core models: strategies, the access log, the one job row and saved analysis results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from quant.saved.pages import page_url


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
            ("trade_strategy", "Send, cancel and close orders and positions of a strategy (per object)"),
            # Page areas (quant.accounts.roles.PAGE_PERMISSIONS): every page needs one; no role, no page.
            ("view_research", "Open the research pages (signals, model registry, saved reports)"),
            ("view_risk", "Open the risk pages"),
            ("view_warehouse", "Open the warehouse pages"),
            ("view_operations", "Open the Jobs and System health pages"),
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
        REFUSED = "refused", "Refused"  # a control attempted and refused (e.g. a failing gate)
        AUTH = "auth", "Authentication"  # login, logout, failed login, 2FA enrolment/disable

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


class Job(models.Model):
    """One unit of long work of any kind: a backtest, a walk-forward, a signal report, a risk
    build, a sync, and everything built later (deliveries, reports, exports, TAQ syncs...).

    The one place where status, progress, heartbeat, attempts, errors and logs live. A domain row
    (``BacktestRun``, ``SignalReport``, ...) links to its job with a one-to-one ``job`` field and
    keeps only its inputs and results. Lifecycle: ``queued -> running -> succeeded | failed |
    cancelled``; a running job whose heartbeat went stale is re-queued (while ``attempts <
    max_attempts``) or failed by ``quant.jobs.services.jobs_reap``. ``progress`` is a fraction
    0..1 with a short ``message``; ``log`` keeps the tail of the job's log lines.

    ``idempotency_key``: at most one queued, running or succeeded job of a kind has a given
    non-empty key, so the same request returns the existing job instead of computing it twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)
    LIVE = (Status.QUEUED, Status.RUNNING, Status.SUCCEEDED)

    kind = models.CharField(max_length=64, help_text="registered kind, e.g. 'backtest' (quant.jobs.kinds)")
    label = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0, help_text="fraction done, 0..1")
    message = models.CharField(max_length=200, blank=True, help_text="what the job is doing now")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    queue = models.CharField(max_length=32, default="default")
    params = models.JSONField(default=dict, blank=True, help_text="small JSON the task needs")
    idempotency_key = models.CharField(max_length=200, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=2)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    log = models.TextField(blank=True, help_text="tail of the job's log lines")

    created_at = models.DateTimeField(auto_now_add=True, help_text="when it was queued")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "idempotency_key"],
                condition=models.Q(status__in=["queued", "running", "succeeded"]) & ~models.Q(idempotency_key=""),
                name="job_one_live_job_per_key",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__gte=0.0, progress__lte=1.0), name="job_progress_fraction"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "succeeded", "failed", "cancelled"]),
                name="job_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
            models.Index(fields=["kind", "-created_at"], name="job_kind_created"),
            models.Index(fields=["requested_by", "-created_at"], name="job_user_created"),
        ]
        permissions = [("view_all_jobs", "See and cancel every user's jobs")]

    def __str__(self) -> str:
        return f"Job #{self.pk} {self.kind} {self.label} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def cancel_requested(self) -> bool:
        return self.cancel_requested_at is not None

    @property
    def percent(self) -> int:
        """Progress as a whole percentage, for display."""
        return round(100 * self.progress)

    @property
    def duration_seconds(self) -> float | None:
        """Wall-clock seconds from start to finish (or to now while running)."""
        if self.started_at is None:
            return None
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()


class SavedResult(models.Model):
    """The stored result of an analysis command run with ``--save`` (``attribution``, ``perf_report``,
    ``alpha_report``), owned by a user and shown in the console at its own page.

    ``params`` holds the command's options and the name and sha256 of every input file; ``result``
    holds what the page shows (summary numbers plus small, thinned series for its charts);
    ``dataset_versions`` the warehouse versions read (empty when only files were read). Rows are
    written only by ``quant.saved.services.saved_result_create`` and never edited. Only the owner
    and holders of ``quant.view_all_savedresults`` may open one.
    """

    class Kind(models.TextChoices):
        ATTRIBUTION = "attribution", "Factor attribution"
        PERF_REPORT = "perf_report", "Performance report"
        ALPHA_REPORT = "alpha_report", "Alpha report"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_results")
    params = models.JSONField(default=dict, help_text="the command's options and its input files' names and sha256")
    result = models.JSONField(default=dict, help_text="what the page shows: summary numbers and small series")
    code_version = models.CharField(max_length=100)
    dataset_versions = models.JSONField(default=dict, blank=True, help_text="warehouse versions read, if any")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["attribution", "perf_report", "alpha_report"]),
                name="savedresult_kind_valid",
            ),
            models.CheckConstraint(condition=~models.Q(title=""), name="savedresult_title_not_empty"),
        ]
        indexes = [models.Index(fields=["owner", "-created_at"], name="savedresult_owner_created")]
        permissions = [("view_all_savedresults", "Open every user's saved results")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}: {self.title}"

    def get_absolute_url(self) -> str:
        url = page_url(self)
        if url is None:
            raise LookupError(f"no page is registered for saved results of kind {self.kind!r}")
        return url


# Trading state lives in quant.trading; its models belong to this app.
from quant.trading.models import BrokerState, CashEntry, Fill, Order, PnLSnapshot, Position  # noqa: E402
from quant.trading.ops_models import BreakerEvent, CircuitBreaker, ControlAction, TradingConfig  # noqa: E402

__all__ = [
    "AccessLog",
    "BreakerEvent",
    "BrokerState",
    "CashEntry",
    "CircuitBreaker",
    "ControlAction",
    "Fill",
    "Job",
    "Order",
    "PnLSnapshot",
    "Position",
    "SavedResult",
    "Strategy",
    "TradingConfig",
]
