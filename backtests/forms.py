"""Forms: launch a backtest (errors beside each field), filter the run list."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django import forms

from backtests.configs import (
    MARKET,
    OPTIMIZER_OBJECTIVE_LABELS,
    BacktestConfig,
    ConfigError,
    OptimizerSpec,
    SyntheticSpec,
)
from backtests.data import DataRange, DataUnavailable, data_range, signal_datasets
from backtests.models import BacktestRun
from backtests.services.optimizer import ALPHA_PER_SD, risk_models_available, risk_models_for
from quant.models import Job, Strategy
from quant.selectors import strategies_for
from research.analytics.signals import SIGNALS

# Short labels: the select is one grid column wide; the help text says the rest (and the dates).
SOURCE_CHOICES = [
    ("warehouse", "Warehouse (CRSP)"),
    ("synthetic", "Synthetic (test panel)"),
]
# Default window: the last DEFAULT_YEARS of the data, after WARM_UP_DAYS of history for the
# signals' look-back (12-1 momentum needs a year).
DEFAULT_YEARS = 5
WARM_UP_DAYS = 400
DEFAULT_OPTIMIZER = OptimizerSpec()
# Optimizer settings in the units the form shows (percent of NAV, λ as is), inclusive bounds.
MAX_WEIGHT_PCT = (Decimal("0.01"), Decimal("100"))
TURNOVER_PCT = (Decimal("0.01"), Decimal("200"))  # two-sided: selling the whole book and buying another is 200 %
RISK_AVERSION = (Decimal("0.01"), Decimal("1000"))
OPTIMIZER_FIELDS = ("optimizer_objective", "optimizer_risk_aversion", "optimizer_max_weight", "optimizer_turnover")


def _signal_choices() -> list[tuple[str, str]]:
    """The research signal library (one definition per name) and the equal-weight market."""
    signals = [
        (d.name, f"{d.name}: {d.description}" + (" (warehouse only)" if signal_datasets(d.name) else ""))
        for d in SIGNALS.values()
    ]
    return [*signals, (MARKET, "market: every priced name, equal weights (not a signal)")]


class BacktestForm(forms.Form):
    """Everything a :class:`~backtests.configs.BacktestConfig` needs, validated against the data."""

    label = forms.CharField(max_length=200, required=False)
    signal = forms.ChoiceField(choices=_signal_choices, initial="momentum")
    source = forms.ChoiceField(choices=SOURCE_CHOICES, initial="warehouse")
    universe = forms.ChoiceField(
        choices=[("all", "All common stocks"), ("top_cap", "Top N by market cap")], initial="all"
    )
    universe_top_n = forms.IntegerField(min_value=10, initial=500, label="Universe size (top N)")
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    rebalance = forms.ChoiceField(
        choices=[(s, s.capitalize()) for s in ("daily", "weekly", "monthly", "quarterly")], initial="monthly"
    )
    construction = forms.ChoiceField(
        choices=[
            ("long_short_decile", "Long-short decile"),
            ("long_short_rank", "Long-short rank-weighted (all names, weight ∝ demeaned rank)"),
            ("long_only_top_n", "Long-only top N"),
        ],
        initial="long_short_decile",
    )
    top_n = forms.IntegerField(min_value=1, initial=50, label="Long-only names (N)")
    commission_bps = forms.FloatField(min_value=0, max_value=1000, initial=1.0, label="Commission (bps)")
    half_spread_bps = forms.FloatField(min_value=0, max_value=1000, initial=5.0, label="Half spread (bps)")
    impact_k = forms.FloatField(min_value=0, max_value=10, initial=0.0, label="Impact coefficient k")
    use_optimizer = forms.BooleanField(required=False, label="Refine with the risk optimizer")
    # Read only when use_optimizer is ticked (then objective and max weight are required).
    optimizer_objective = forms.ChoiceField(
        choices=list(OPTIMIZER_OBJECTIVE_LABELS.items()), initial=DEFAULT_OPTIMIZER.objective, required=False,
        label="Objective",
        help_text="Minimum variance uses the signal only to pick the names; mean-variance also takes its "
        f"cross-sectional z-score × {ALPHA_PER_SD * 1e4:g} bp/day as the expected return.",
    )  # fmt: skip
    optimizer_risk_aversion = forms.DecimalField(
        min_value=RISK_AVERSION[0], max_value=RISK_AVERSION[1], decimal_places=2, required=False,
        initial=Decimal(str(DEFAULT_OPTIMIZER.risk_aversion)), label="Risk aversion λ (mean-variance only)",
        help_text="λ of max μᵀw − λ·wᵀΣw in daily units; higher stays closer to minimum variance. "
        "Ignored by the minimum-variance objective.",
    )  # fmt: skip
    optimizer_max_weight = forms.DecimalField(
        min_value=MAX_WEIGHT_PCT[0], max_value=MAX_WEIGHT_PCT[1], decimal_places=2, required=False,
        initial=Decimal(str(DEFAULT_OPTIMIZER.max_weight)) * 100, label="Max weight per name (% of NAV)",
        help_text="A percentage: 5 means at most 0.05 of NAV in any name. Long-only and fully invested, so it "
        "must be at least 100 / the number of names in the universe.",
    )  # fmt: skip
    optimizer_turnover = forms.DecimalField(
        min_value=TURNOVER_PCT[0], max_value=TURNOVER_PCT[1], decimal_places=2, required=False,
        label="Turnover cap per rebalance (% of NAV, optional)",
        help_text="Two-sided: buys plus sells, at most 200. Blank = no cap. Relaxed on a rebalance that cannot "
        "meet it (the first one, from cash, always trades 100 %).",
    )  # fmt: skip
    priority = forms.ChoiceField(choices=BacktestRun.Priority.choices, initial="normal")
    strategy = forms.ModelChoiceField(
        queryset=Strategy.objects.none(), required=False, help_text="Optional: file the run under a strategy."
    )

    def __init__(self, *args: object, user: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._date_range_hints()
        # Only strategies the user may see (django-guardian object permissions).
        self.fields["strategy"].queryset = strategies_for(user) if user is not None else Strategy.objects.none()
        # The optimizer needs a risk model as of each rebalance date: offered only once one exists.
        field = self.fields["use_optimizer"]
        if risk_models_available():
            field.help_text = (
                "Long-only, fully invested weights from the latest risk model as of each rebalance date; "
                "replaces the construction rule above."
            )
        else:
            field.disabled = True
            field.help_text = "Needs a risk model: run `python manage.py risk_build --as-of <start date>`."

    def _date_range_hints(self) -> None:
        """Say which dates each source covers, bound the date pickers, and default an unbound form
        to the last ``DEFAULT_YEARS`` of the warehouse (or of the synthetic panel when it is empty)."""
        synthetic = data_range("synthetic", SyntheticSpec())
        parts = [
            f"Synthetic: seeded test panel, not market data, {synthetic.first:%Y-%m-%d} – {synthetic.last:%Y-%m-%d}."
        ]
        try:
            warehouse: DataRange | None = data_range("warehouse")
        except DataUnavailable:
            warehouse = None
            parts.insert(0, "Warehouse: empty (run `python manage.py warehouse_sync --source demo`).")
        else:
            parts.insert(0, f"Warehouse: point-in-time CRSP, {warehouse.first:%Y-%m-%d} – {warehouse.last:%Y-%m-%d}.")
        self.fields["source"].help_text = " ".join(parts)
        default = warehouse or synthetic
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update(min=f"{default.first:%Y-%m-%d}", max=f"{default.last:%Y-%m-%d}")
        self.fields["start"].help_text = f"Data from {default.first:%Y-%m-%d} (allow about a year for look-backs)."
        self.fields["end"].help_text = f"Data to {default.last:%Y-%m-%d}."
        if not self.is_bound:
            years_back = default.last - dt.timedelta(days=round(365.25 * DEFAULT_YEARS))
            start = max(default.first + dt.timedelta(days=WARM_UP_DAYS), years_back)
            self.initial.setdefault("start", min(start, default.last))
            self.initial.setdefault("end", default.last)
            if warehouse is None:
                self.initial.setdefault("source", "synthetic")

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("use_optimizer"):
            self._check_optimizer(data)
        else:  # the settings of an unticked optimizer are hidden: they never block the form
            for name in OPTIMIZER_FIELDS:
                self.errors.pop(name, None)
        if data.get("signal") and data.get("source"):
            self._check_signal(data)
        if data.get("start") and data.get("end") and data.get("source"):
            self._check_range(data)  # reported even when other fields have errors
        if not self.errors:
            try:
                self.config = self._config(data)
            except ConfigError as exc:
                for name, message in exc.errors.items():
                    field = "use_optimizer" if name == "optimizer" else name
                    self.add_error(field if field in self.fields else None, message)
        return data

    def _check_signal(self, data: dict[str, object]) -> None:
        needs = signal_datasets(str(data["signal"]))
        if data["source"] == "synthetic" and needs:
            self.add_error("signal", f"This signal reads {', '.join(needs)}; the synthetic panel has no fundamentals.")

    def _check_optimizer(self, data: dict[str, object]) -> None:
        required = ["optimizer_objective", "optimizer_max_weight"]
        if data.get("optimizer_objective") == "mean_variance":
            required.append("optimizer_risk_aversion")
        for name in required:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, "Required when the optimizer is on.")
        cap, names = data.get("optimizer_max_weight"), data.get("universe_top_n")
        # The top-N universe caps how many names the book can spread over; the size of the whole
        # universe is only known from the data (a relaxed position bound covers it at run time).
        top_cap = data.get("universe") == "top_cap" and isinstance(names, int)
        if top_cap and isinstance(cap, Decimal) and cap * names < 100:
            least = math.ceil(Decimal(10_000) / names) / 100
            self.add_error(
                "optimizer_max_weight",
                f"{float(cap):g} % per name invests at most {float(cap * names):g} % of NAV in a {names}-name "
                f"universe; use at least {least:g} % to be fully invested.",
            )

    def _check_range(self, data: dict[str, object]) -> None:
        start, end = data["start"], data["end"]
        assert isinstance(start, dt.date) and isinstance(end, dt.date)
        if start >= end:
            self.add_error("end", "End must be after start.")
            return
        try:
            available = data_range(str(data["source"]), SyntheticSpec())
        except DataUnavailable as exc:
            self.add_error(None, str(exc))
            return
        if start < available.first:
            self.add_error("start", f"The data starts on {available.first:%Y-%m-%d}.")
        if end > available.last:
            self.add_error("end", f"The data ends on {available.last:%Y-%m-%d}.")

    def _config(self, data: dict[str, object]) -> BacktestConfig:
        synthetic = data["source"] == "synthetic"
        config = BacktestConfig(
            signal=str(data["signal"]), start=data["start"], end=data["end"],  # type: ignore[arg-type]
            rebalance=data["rebalance"], construction=data["construction"],  # type: ignore[arg-type]
            top_n=int(data["top_n"]), universe=data["universe"],  # type: ignore[arg-type]
            universe_top_n=int(data["universe_top_n"]), commission_bps=float(data["commission_bps"]),
            half_spread_bps=float(data["half_spread_bps"]), impact_k=float(data["impact_k"]),
            source=data["source"], synthetic=SyntheticSpec() if synthetic else None,  # type: ignore[arg-type]
            optimizer=_optimizer_spec(data) if data.get("use_optimizer") else None,
        )  # fmt: skip
        config.validate()
        if config.optimizer is not None:
            risk_models_for(config)
        return config


def initial_from_run(run: BacktestRun) -> dict[str, object]:
    """The launch form's initial values from a run's stored config ("launch again with changes"):
    the form's own units (optimizer percentages), ISO dates, the run's label marked as a copy."""
    c = run.config
    fields = ("signal", "source", "universe", "universe_top_n", "start", "end", "rebalance", "construction",
              "top_n", "commission_bps", "half_spread_bps", "impact_k")  # fmt: skip
    initial: dict[str, object] = {k: c[k] for k in fields if k in c}
    initial["label"] = f"{run.label or 'run'} (from #{run.pk})"[:200]
    initial["priority"] = run.priority
    if run.strategy_id:
        initial["strategy"] = run.strategy_id
    if isinstance(spec := c.get("optimizer"), dict):
        initial |= {
            "use_optimizer": True,
            "optimizer_objective": spec.get("objective"),
            "optimizer_risk_aversion": Decimal(str(spec.get("risk_aversion"))),
            "optimizer_max_weight": Decimal(str(spec.get("max_weight"))) * 100,
            "optimizer_turnover": Decimal(str(spec["turnover"])) * 100 if spec.get("turnover") else None,
        }
    return initial


def _optimizer_spec(data: dict[str, object]) -> OptimizerSpec:
    """The spec from the form's units (percent of NAV); identical settings give an identical spec."""
    objective, cap, turnover = data["optimizer_objective"], data["optimizer_max_weight"], data.get("optimizer_turnover")
    aversion = data.get("optimizer_risk_aversion")
    assert isinstance(cap, Decimal)
    if objective != "mean_variance" or not isinstance(aversion, Decimal):
        aversion = DEFAULT_OPTIMIZER.risk_aversion  # λ does nothing under minimum variance: keep it out of the hash
    return OptimizerSpec(
        objective=objective,  # type: ignore[arg-type]
        risk_aversion=float(aversion),
        max_weight=float(cap / 100),  # decimal division: 5 -> 0.05 as typed, not 0.05000000000000001
        turnover=float(turnover / 100) if isinstance(turnover, Decimal) else None,
    )


class RunFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Job.Status.choices], required=False)
    signal = forms.ChoiceField(choices=[("", "Any signal"), *_signal_choices()], required=False)
    mine = forms.BooleanField(required=False, label="Only mine")
    q = forms.CharField(required=False, label="Label contains")


class WalkForwardForm(BacktestForm):
    """A base backtest plus the candidate signals to choose between and the fold lengths."""

    candidate_signals = forms.MultipleChoiceField(
        choices=_signal_choices, widget=forms.CheckboxSelectMultiple, label="Candidate signals",
        initial=["momentum", "reversal", "lowvol"],
    )  # fmt: skip
    train_months = forms.IntegerField(min_value=3, max_value=120, initial=24)
    test_months = forms.IntegerField(min_value=1, max_value=60, initial=6)
    expanding = forms.BooleanField(
        required=False, label="Expanding training window",
        help_text="Train on all the history before each test window (the train length is then the minimum).",
    )  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signal"].required = False  # the candidates replace it

    def clean(self) -> dict[str, object]:
        data = self.cleaned_data
        signals = data.get("candidate_signals") or []
        if len(signals) < 2:
            self.add_error("candidate_signals", "Pick at least two signals to choose between.")
        else:
            data["signal"] = signals[0]  # the base config carries the first candidate
        data = super().clean()
        if not self.errors:
            from backtests.services.walkforward import WalkForwardSpec

            self.spec = WalkForwardSpec(
                base=self.config, candidates=[{"signal": s} for s in signals],
                train_months=data["train_months"], test_months=data["test_months"],
                expanding=bool(data.get("expanding")),
            )  # fmt: skip
        return data


class MonteCarloForm(forms.Form):
    """What to resample and how many paths (seeded, so the same settings show the same bands)."""

    method = forms.ChoiceField(
        choices=[
            ("stationary", "Stationary bootstrap of daily returns (keeps volatility clusters)"),
            ("shuffle", "Shuffle daily returns (same returns, random order)"),
            ("trades", "Resample trades (holding-period returns between rebalances)"),
        ],
        initial="stationary",
    )
    paths = forms.IntegerField(min_value=100, max_value=2000, initial=500, label="Paths")
    block = forms.IntegerField(
        min_value=2, max_value=126, initial=10, label="Mean block (trading days)",
        help_text="Stationary bootstrap only: mean length of the resampled blocks.",
    )  # fmt: skip

    @classmethod
    def from_query(cls, query: object) -> MonteCarloForm:
        """Bound to the query string, the defaults filling what it leaves out."""
        initial = {name: field.initial for name, field in cls.base_fields.items()}
        return cls({**initial, **getattr(query, "dict", dict)()})


class AttributionPeriodForm(forms.Form):
    """The window of a run's attribution: any sub-period of the run (both ends included)."""

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")

    def __init__(self, *args: Any, first: dt.date | None = None, last: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first, self.last = first, last
        if first and last:
            for name in ("start", "end"):
                self.fields[name].widget.attrs.update(min=first.isoformat(), max=last.isoformat())
            self.fields["start"].help_text = f"the run has daily returns from {first} to {last}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(f"The start {start} is after the end {end}.")
        outside = (start and self.last and start > self.last) or (end and self.first and end < self.first)
        if outside:
            raise forms.ValidationError(f"The run has daily returns from {self.first} to {self.last} only.")
        return data
