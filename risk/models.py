"""Risk model runs and portfolios (metadata only: the numbers live in versioned artifacts)."""

from __future__ import annotations

from django.db import models


class RiskModelRun(models.Model):
    """One build of the Barra-style risk model.

    ``version`` is the hash of (config hash, dataset versions): the same inputs map to the same
    row and artifact directory, so a rebuild with unchanged inputs is a no-op. ``summary`` holds
    the headline numbers (mean R², bias statistics, factor count); ``timings`` seconds per stage.
    Status, progress (with the build stage as its message), errors and times live on its ``job``
    (kind ``risk_build``); a failed build is retried under a new job on the same row.
    """

    job = models.OneToOneField("quant.Job", on_delete=models.PROTECT, related_name="risk_model_run")
    version = models.CharField(max_length=32, unique=True)
    as_of = models.DateField()
    start = models.DateField(null=True, blank=True)
    universe = models.CharField(max_length=32, default="all")
    config = models.JSONField(default=dict)
    config_hash = models.CharField(max_length=64)
    dataset_versions = models.JSONField(default=dict)
    exposures_version = models.CharField(max_length=32, blank=True)
    artifact_path = models.CharField(max_length=500, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-created"]

    def __str__(self) -> str:
        return f"risk model {self.as_of} ({self.universe}, {self.version})"


class Portfolio(models.Model):
    """A long-only (or long-short) set of holdings measured against a benchmark.

    Built-in portfolios are produced by the optimizer from a risk model run (``source_run``);
    manual ones are entered by users. Weights live in :class:`Holding`.
    """

    class Benchmark(models.TextChoices):
        CAP = "cap", "cap-weighted universe"
        EQUAL = "equal", "equal-weighted universe"

    class Kind(models.TextChoices):
        BUILTIN = "builtin", "built-in (optimizer)"
        MANUAL = "manual", "manual"

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MANUAL)
    benchmark = models.CharField(max_length=8, choices=Benchmark.choices, default=Benchmark.CAP)
    source_run = models.ForeignKey(RiskModelRun, null=True, blank=True, on_delete=models.SET_NULL)
    constraints = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Holding(models.Model):
    """One position of a portfolio: a CRSP permno and its weight (fraction of capital)."""

    portfolio = models.ForeignKey(Portfolio, related_name="holdings", on_delete=models.CASCADE)
    permno = models.BigIntegerField()
    weight = models.FloatField()

    class Meta:
        ordering = ["portfolio", "-weight"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "permno"], name="risk_holding_unique_permno")]

    def __str__(self) -> str:
        return f"{self.portfolio_id}:{self.permno}={self.weight:.4f}"
