"""ORM rows for data synchronisation: one `SyncRun` per sync attempt, `ProviderUsage` per provider call."""

from __future__ import annotations

from django.db import models


class SyncRun(models.Model):
    """One attempt to sync one dataset from an external source (WRDS, Ken French, yfinance).

    Written by every sync, including refused ones (another writer held the `warehouse` lock) so the
    operations page can show what ran, what it published and why it failed.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Refused"
        INTERRUPTED = "interrupted", "Interrupted"

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"
        IMPORT = "import", "Import"

    dataset = models.CharField(max_length=64)
    source = models.CharField(max_length=32)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    rows = models.BigIntegerField(null=True, blank=True)
    version = models.CharField(max_length=128, blank=True, default="")
    query_hash = models.CharField(max_length=64, blank=True, default="")
    checkpoint = models.CharField(max_length=512, blank=True, default="")
    started = models.DateTimeField()
    finished = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    log = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started"]
        indexes = [models.Index(fields=["dataset", "-started"], name="syncrun_dataset_started")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "succeeded", "failed", "refused", "interrupted"]),
                name="syncrun_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.dataset} {self.mode} {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        """Wall-clock seconds from start to finish (None while running)."""
        return None if self.finished is None else (self.finished - self.started).total_seconds()


class ProviderUsage(models.Model):
    """One call of a market-data provider (CRSP warehouse, yfinance): what, how many rows, how long."""

    provider = models.CharField(max_length=32)
    method = models.CharField(max_length=32)
    rows = models.BigIntegerField(default=0)
    latency_ms = models.FloatField(default=0.0)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["provider", "-created"], name="providerusage_provider_created")]
        constraints = [models.CheckConstraint(condition=models.Q(rows__gte=0), name="providerusage_rows_nonneg")]

    def __str__(self) -> str:
        return f"{self.provider}.{self.method} rows={self.rows} ok={self.ok}"
