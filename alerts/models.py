"""Alert rules, channels, alerts and their deliveries; report schedules and the report archive."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from alerts.secrets import mask


class Channel(models.Model):
    """Where an alert or a report goes: an e-mail list (SMTP), a Slack incoming webhook or SMS numbers.

    ``target``: comma-separated e-mail addresses or phone numbers (empty for Slack). ``config``: the
    non-secret settings (SMTP host/port/user/from, Twilio account SID and sender). ``secret`` is the
    secret part (SMTP password, the webhook URL, the Twilio token) encrypted with Fernet
    (``alerts.secrets``); an empty secret falls back to the environment variable named in
    ``secret_env``. Neither is ever shown back in full.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail (SMTP)"
        SLACK = "slack", "Slack webhook"
        SMS = "sms", "SMS (Twilio)"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    target = models.CharField(
        max_length=500, blank=True, help_text="e-mail addresses or phone numbers, comma-separated"
    )
    config = models.JSONField(default=dict, blank=True)
    secret = models.TextField(blank=True, help_text="Fernet token of the secret (never shown)")
    secret_env = models.CharField(max_length=100, blank=True, help_text="environment variable holding the secret")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=["email", "slack", "sms"]), name="channel_kind")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def secret_hint(self) -> str:
        from alerts.secrets import decrypt

        if self.secret:
            return mask(decrypt(self.secret))
        return f"from ${self.secret_env}" if self.secret_env else "none"

    def recipients(self) -> list[str]:
        return [part.strip() for part in self.target.split(",") if part.strip()]


class AlertRule(models.Model):
    """A condition and what to do when it holds: the channels to notify, the severity, a cool-down.

    ``threshold`` is in the unit of the kind (``UNITS``); ``strategy`` narrows strategy rules to one
    strategy (empty: every active strategy). Evaluated on beat (``alerts: evaluate rules``) and at
    once by the platform events (``quant.events``) for the event kinds.
    """

    class Kind(models.TextChoices):
        DRAWDOWN = "drawdown", "Strategy drawdown beyond"
        DAILY_LOSS = "daily_loss", "Daily loss beyond"
        POSITION_WEIGHT = "position_weight", "Position weight over"
        GROSS_EXPOSURE = "gross_exposure", "Gross exposure over"
        SYNC_FAILED = "sync_failed", "Sync failed"
        DATA_STALE = "data_stale", "Data stale for"
        JOB_FAILED = "job_failed", "Job failed"
        HEALTH_DOWN = "health_down", "Health check down"
        LATENCY_P95 = "latency_p95", "Web latency p95 above"
        BREAKER_TRIPPED = "breaker_tripped", "Circuit breaker tripped"
        RISK_BIAS = "risk_bias", "Risk-model bias statistic out of band"

    UNITS = {
        "drawdown": "%", "daily_loss": "%", "position_weight": "%", "gross_exposure": "× equity",
        "data_stale": "h", "latency_p95": "ms", "risk_bias": "± around 1",
    }  # fmt: skip
    EVENT_KINDS = ("sync_failed", "job_failed", "breaker_tripped")
    STRATEGY_KINDS = ("drawdown", "daily_loss", "position_weight", "gross_exposure")

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    threshold = models.FloatField(null=True, blank=True, help_text="in the kind's unit (UNITS)")
    strategy = models.ForeignKey("quant.Strategy", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    channels = models.ManyToManyField(Channel, blank=True, related_name="rules")
    cooldown_minutes = models.PositiveIntegerField(default=60, help_text="no repeat notification within this time")
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def unit(self) -> str:
        return self.UNITS.get(self.kind, "")


class Alert(models.Model):
    """One firing of a rule about one subject (a strategy, a dataset, a job kind, a check).

    At most one open or acknowledged alert per rule and subject (deduplication); it is resolved
    when the condition clears and kept as history. ``notified_at``: the last notification, which
    the rule's cool-down counts from.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    severity = models.CharField(max_length=8, choices=AlertRule.Severity.choices)
    message = models.CharField(max_length=500)
    value = models.FloatField(null=True, blank=True)
    occurrences = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-last_seen", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"], condition=~Q(status="resolved"), name="alert_one_unresolved_per_subject"
            ),
        ]
        indexes = [models.Index(fields=["status", "-last_seen"], name="alert_status_seen")]
        permissions = [("acknowledge_alert", "Acknowledge alerts")]

    def __str__(self) -> str:
        return f"{self.rule.name}: {self.subject} ({self.status})"


class Delivery(models.Model):
    """One message to one channel (an alert, a test, a report e-mail), sent as ``quant.Job`` attempts.

    ``queued -> sent``, or ``failed`` (retried at ``next_attempt_at``, exponential backoff with
    jitter) until ``max_attempts``, then ``dead_letter``. ``job`` is the newest attempt's job;
    ``response`` what the provider answered last.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        DEAD_LETTER = "dead_letter", "Dead letter"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    report = models.ForeignKey(
        "alerts.ReportRun", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    job = models.ForeignKey("quant.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    to = models.CharField(max_length=500, blank=True, help_text="recipients when not the channel's own")
    title = models.CharField(max_length=200)
    body = models.TextField()
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True, help_text="the provider's last answer")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next")]

    def __str__(self) -> str:
        return f"{self.channel.name}: {self.title} ({self.status})"


from alerts.models_reports import ReportRun, ReportSchedule  # noqa: E402

__all__ = ["Alert", "AlertRule", "Channel", "Delivery", "ReportRun", "ReportSchedule"]
