"""The Parquet warehouse keeps its data in files; the ORM records who depends on which version,
sync runs and provider usage."""

from __future__ import annotations

from django.db import models


class DatasetReference(models.Model):
    """A downstream result (risk model, backtest, report...) that read ``dataset`` at ``version``.

    Garbage collection never deletes a version that has a reference. ``holder`` names the result,
    e.g. ``"risk.model:17"``; one holder references a version at most once.
    """

    dataset = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    holder = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "version", "holder"], name="warehouse_reference_unique"),
        ]
        indexes = [models.Index(fields=["dataset", "version"], name="warehouse_ref_dataset_version")]

    def __str__(self) -> str:
        return f"{self.holder} -> {self.dataset} v{self.version}"


from warehouse.models_explorer import AnomalyAck, DataExport, NotebookSession, QueryAudit  # noqa: E402,F401
from warehouse.models_sync import ProviderUsage, SyncRun  # noqa: E402,F401
