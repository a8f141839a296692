"""ORM rows for data synchronisation: one `SyncRun` per sync attempt, `ProviderUsage` per provider call."""

from __future__ import annotations

from django.db import models


class SyncRun(models.Model):
    """One attempt to sync one dataset from an external source (WRDS, Ken French, yfinance, demo).

    Written by every sync, including refused ones (another writer held the `warehouse` lock) so the
    operations page can show what ran, what it published and why it failed. Status, times, error
    and log live on its ``job`` (kind ``sync``; one job may cover several datasets, e.g. one Ken
    French download publishes two). A refused or interrupted sync is a failed job whose message
    starts with ``refused:`` / ``interrupted:`` (see :attr:`outcome`).
    """

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"
        IMPORT = "import", "Import"

    OUTCOMES = ("refused", "interrupted")

    job = models.ForeignKey("quant.Job", on_delete=models.PROTECT, related_name="sync_runs")
    dataset = models.CharField(max_length=64)
    source = models.CharField(max_length=32)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    rows = models.BigIntegerField(null=True, blank=True)
    version = models.CharField(max_length=128, blank=True, default="")
    query_hash = models.CharField(max_length=64, blank=True, default="")
    checkpoint = models.CharField(max_length=512, blank=True, default="")

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["dataset", "-id"], name="syncrun_dataset_newest")]

    def __str__(self) -> str:
        return f"{self.source}:{self.dataset} {self.mode} (job {self.job_id})"

    @property
    def outcome(self) -> str:
        """The job's status, or "refused" / "interrupted" for the failures that are not errors."""
        status = self.job.status
        if status == "failed":
            prefix = self.job.message.split(":", 1)[0]
            if prefix in self.OUTCOMES:
                return prefix
        return status


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
