"""ORM rows of the data tools: every SQL explorer query (audit) and every export (a job's file)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class QueryAudit(models.Model):
    """One SQL explorer query: who ran what, what it read, how many rows and how long — refused and
    failed queries included. Also carries the explorer's permissions (``query_sql``, ``query_licensed``)."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sql = models.TextField()
    datasets = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=16, default="query", help_text="query (a page) or export")
    page = models.PositiveIntegerField(default=1)
    rows = models.PositiveIntegerField(default=0)
    elapsed_ms = models.FloatField(default=0.0)
    status = models.CharField(max_length=8, choices=Status.choices)
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["user", "-created"], name="queryaudit_user_created")]
        permissions = [
            ("query_sql", "Run read-only SQL over the open datasets (explorer, exports)"),
            ("query_licensed", "Query and export the licensed datasets (CRSP, Compustat, TAQ)"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status} {self.rows} rows ({self.sql[:40]})"


class DataExport(models.Model):
    """A query written to a CSV or Parquet file by a background job; only ``owner`` may download
    it, until ``expires_at`` (then the file is deleted by ``warehouse.tasks.exports_prune``)."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        PARQUET = "parquet", "Parquet"

    job = models.OneToOneField("quant.Job", on_delete=models.PROTECT, related_name="data_export")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    sql = models.TextField(help_text="the checked SQL the job runs")
    datasets = models.JSONField(default=list, blank=True)
    format = models.CharField(max_length=8, choices=Format.choices)
    path = models.CharField(max_length=500, blank=True)
    rows = models.BigIntegerField(null=True, blank=True)
    bytes = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["owner", "-created"], name="dataexport_owner_created")]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.format}) of {self.owner_id}"

    @property
    def expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def filename(self) -> str:
        return f"export-{self.pk}.{self.format}"


class AnomalyAck(models.Model):
    """A data-quality anomaly someone looked at: ``kind`` (null_spike, row_drop, date_gap) and
    ``key`` (e.g. ``v3:ret`` or ``2020-03..2020-04``) of ``dataset``, who, when and a note."""

    dataset = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)
    key = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["dataset", "kind", "key"], name="anomalyack_unique")]

    def __str__(self) -> str:
        return f"{self.dataset} {self.kind} {self.key}"


class NotebookSession(models.Model):
    """A JupyterLab server started for ``user`` by the launcher (`warehouse.notebooks`): a process on
    this host, bound to 127.0.0.1:``port`` and protected by ``token``; ``stopped`` once it ended."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notebook_sessions")
    pid = models.PositiveIntegerField()
    port = models.PositiveIntegerField()
    token = models.CharField(max_length=64)
    root = models.CharField(max_length=500)
    started = models.DateTimeField(auto_now_add=True)
    stopped = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(stopped__isnull=True), name="one_live_notebook")
        ]

    def __str__(self) -> str:
        return f"notebook {self.pk} of {self.user_id} on port {self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/lab?token={self.token}"
