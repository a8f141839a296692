"""Research metadata: signal report jobs and the model registry (artifacts live under MODELS_DIR)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SignalReport(models.Model):
    """One computed report of a registered signal on given warehouse versions.

    The heavy per-date output is Parquet under ``result_path`` with a JSON manifest (dataset
    versions, definition hash, file checksums); the row keeps the summary numbers shown in lists.
    Identity: (signal, definition hash, data hash) — the same inputs return the existing report.
    Status, progress, errors and times live on its ``job`` (kind ``signal_report``); a failed
    attempt is replaced by a new job on the same row.
    """

    job = models.OneToOneField("quant.Job", on_delete=models.PROTECT, related_name="signal_report")
    signal = models.CharField(max_length=64, db_index=True)
    definition_hash = models.CharField(max_length=64)
    data_hash = models.CharField(max_length=64)
    dataset_versions = models.JSONField(default=dict)
    params = models.JSONField(default=dict)
    result_path = models.CharField(max_length=500, blank=True)
    horizon = models.PositiveSmallIntegerField(default=21)
    n_dates = models.PositiveIntegerField(null=True, blank=True)
    ic_mean = models.FloatField(null=True, blank=True)
    ic_std = models.FloatField(null=True, blank=True)
    icir = models.FloatField(null=True, blank=True)
    ic_t_stat = models.FloatField(null=True, blank=True)
    rank_ic_mean = models.FloatField(null=True, blank=True)
    hit_rate = models.FloatField(null=True, blank=True)
    long_short = models.FloatField(null=True, blank=True)
    turnover = models.FloatField(null=True, blank=True)
    autocorrelation = models.FloatField(null=True, blank=True)
    code_version = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("signal", "-created_at")
        constraints = [
            models.UniqueConstraint(
                fields=("signal", "definition_hash", "data_hash"), name="research_signalreport_identity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signal} report #{self.pk}"

    @property
    def identity_key(self) -> str:
        """The job idempotency key: one live computation per (signal, definition hash, data hash)."""
        return f"{self.signal}:{self.definition_hash}:{self.data_hash}"


class ModelVersion(models.Model):
    """A versioned artifact in the model registry (risk model, factor definition, alpha combination).

    Files live in ``MODELS_DIR/<name>/<version>/`` with their sha256 in ``files``; the production
    loader re-hashes them and refuses a mismatch. Stages move staging → production → archived
    through ``research.services.registry`` (promotion gates per kind); at most one production
    version per name.
    """

    class Kind(models.TextChoices):
        RISK_MODEL = "risk_model", "risk model"
        FACTOR_DEFINITION = "factor_definition", "factor definition"
        ALPHA_COMBINATION = "alpha_combination", "alpha combination"

    class Stage(models.TextChoices):
        STAGING = "staging"
        PRODUCTION = "production"
        ARCHIVED = "archived"

    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.STAGING)
    config = models.JSONField(default=dict)
    config_hash = models.CharField(max_length=64)
    dataset_versions = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict)
    files = models.JSONField(default=dict, help_text="file name -> sha256")
    path = models.CharField(max_length=500)
    code_version = models.CharField(max_length=100, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("name", "-version")
        permissions = [
            ("promote_modelversion", "Can promote or archive model versions"),
            ("override_promotion_gate", "Can promote a version that fails its gates (with a reason)"),
        ]
        constraints = [
            models.UniqueConstraint(fields=("name", "version"), name="research_modelversion_name_version"),
            models.UniqueConstraint(
                fields=("name",), condition=models.Q(stage="production"), name="research_one_production_per_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.stage})"
