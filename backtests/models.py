"""Backtest rows: what was asked, on which data and code, where the results are (the job row says where it stands)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class BacktestRun(models.Model):
    """One backtest (or walk-forward) and its result; where it stands lives on its ``job``.

    The run's lifecycle (status, progress 0..1 and message, attempts, heartbeat, cancel, times,
    error) is its ``quant.Job`` (kind ``backtest`` or ``walk_forward``, see ``quant.jobs``); this
    row keeps what was asked, on which data and code, and the result. The series live in Parquet
    under ``BACKTESTS_DIR/<id>/`` (``result_path``) with a ``result.json`` manifest; the row keeps
    the headline numbers. ``config_hash`` + ``data_hash`` identify the computation: a top-level
    run's job has the idempotency key ``<config_hash>/<data_hash>``, so at most one queued,
    running or succeeded run exists per pair (the same config on the same data versions returns the
    existing run). Runs that are ``pinned`` or ``referenced_by`` something (a golden test, a
    report, a model) are never pruned.
    """

    class Priority(models.TextChoices):
        LOW = "low"
        NORMAL = "normal"
        HIGH = "high"

    class Kind(models.TextChoices):
        SINGLE = "single"
        WALK_FORWARD = "walk_forward"

    label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SINGLE)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    job = models.OneToOneField("quant.Job", on_delete=models.PROTECT, related_name="backtest_run")
    config = models.JSONField()
    config_hash = models.CharField(max_length=64, db_index=True)
    dataset_versions = models.JSONField(default=dict)
    data_hash = models.CharField(max_length=64)
    code_version = models.CharField(max_length=100)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)

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
        ordering = ["-job__created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=["low", "normal", "high"]), name="backtestrun_priority_valid"
            ),
        ]
        indexes = [models.Index(fields=["owner", "-id"], name="backtestrun_owner_newest")]

    def __str__(self) -> str:
        return f"Backtest #{self.pk} {self.label or self.config_hash[:12]}"

    @property
    def is_protected(self) -> bool:
        return self.pinned or bool(self.referenced_by)


class StrategyConfig(models.Model):
    """What a ``quant.Strategy`` runs (one-to-one): a backtest configuration or a production model.

    ``config`` is a :class:`backtests.configs.BacktestConfig` in its JSON form without meaning in
    ``start``/``end`` (the runner sets them to the window it trades): signal, universe, rebalance
    schedule, construction or optimizer, costs. With ``source == "model"`` the signal comes from the
    **production** version of registry model ``model_name`` (a ``factor_definition``), checked at
    each run. Costs map to the paper broker: slippage ``commission_bps + half_spread_bps`` of traded
    value and ``commission_per_share`` dollars per share (0 keeps parity with the backtest).
    ``broker`` is ``paper`` unless an admin switched it to ``live`` with a fresh TOTP step-up and a
    reason (``live_enabled_*``; audited).
    """

    class Source(models.TextChoices):
        BACKTEST = "backtest", "Backtest configuration"
        MODEL = "model", "Production model (registry)"

    class Broker(models.TextChoices):
        PAPER = "paper", "Paper"
        LIVE = "live", "Live"

    strategy = models.OneToOneField("quant.Strategy", on_delete=models.CASCADE, related_name="run_config")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.BACKTEST)
    model_name = models.CharField(max_length=100, blank=True, help_text="registry name (source = model)")
    config = models.JSONField(help_text="BacktestConfig JSON (dates are set by the runner)")
    capital = models.DecimalField(max_digits=24, decimal_places=8, default=1_000_000, help_text="dollars")
    commission_per_share = models.DecimalField(max_digits=24, decimal_places=8, default=0, help_text="dollars")
    broker = models.CharField(max_length=16, choices=Broker.choices, default=Broker.PAPER)
    live_enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    live_enabled_at = models.DateTimeField(null=True, blank=True)
    live_reason = models.TextField(blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(source="backtest") | ~Q(model_name=""), name="strategyconfig_model_named"
            ),
            models.CheckConstraint(condition=Q(capital__gt=0), name="strategyconfig_capital_positive"),
            models.CheckConstraint(
                condition=Q(broker="paper") | Q(live_enabled_by__isnull=False), name="strategyconfig_live_enabled"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id}: {self.source} {self.model_name or self.config.get('signal', '')} ({self.broker})"


class TradeNote(models.Model):
    """Tags and a note on one round trip of a strategy's trade journal (audited by django-auditlog).

    A round trip is identified by the fills it matches (FIFO, ``backtests.analytics.journal``):
    fills are never rewritten, so a pair keeps its meaning as later fills arrive. ``tags`` is a
    normalised comma-separated list (lower case, no blanks, sorted).
    """

    strategy = models.ForeignKey("quant.Strategy", on_delete=models.CASCADE, related_name="trade_notes")
    entry_fill = models.ForeignKey("quant.Fill", on_delete=models.CASCADE, related_name="+")
    exit_fill = models.ForeignKey("quant.Fill", on_delete=models.CASCADE, related_name="+")
    tags = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True, max_length=4000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry_fill", "exit_fill"], name="tradenote_trip_unique")]
        indexes = [models.Index(fields=["strategy"], name="tradenote_strategy")]

    def __str__(self) -> str:
        return f"trade {self.entry_fill_id}->{self.exit_fill_id} [{self.tags}]"

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]
