"""What a backtest run is asked to compute: one validated, hashable configuration.

The canonical JSON (sorted keys, no whitespace, ISO dates) of :class:`BacktestConfig` is what the
``BacktestRun`` row stores; its sha256 is the run's ``config_hash`` and, with the hash of the
dataset versions, the idempotency key: the same config on the same data returns the existing run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from backtests.analytics.schedule import Schedule
from quant.provenance import canonical_json, sha256_text
from research.analytics.signals import SIGNALS, canonical_name

DataSource = Literal["warehouse", "synthetic"]
Construction = Literal["long_short_decile", "long_short_rank", "long_only_top_n"]
UniverseRule = Literal["all", "top_cap"]

SCHEDULES: tuple[Schedule, ...] = ("daily", "weekly", "monthly", "quarterly")
CONSTRUCTIONS: tuple[Construction, ...] = ("long_short_decile", "long_short_rank", "long_only_top_n")
UNIVERSES: tuple[UniverseRule, ...] = ("all", "top_cap")
SOURCES: tuple[DataSource, ...] = ("warehouse", "synthetic")
MAX_BPS = 1000.0
# Not a signal but a portfolio: every priced name, equal weights (the engine's benchmark-like book).
MARKET = "market"


class ConfigError(ValueError):
    """Invalid configuration; ``errors`` maps field names to messages (shown beside form fields)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class SyntheticSpec:
    """Parameters of the seeded synthetic panel (tests, benchmarks): no warehouse needed."""

    stocks: int = 200
    days: int = 1260
    seed: int = 7


OptimizerObjective = Literal["min_variance", "mean_variance"]
OPTIMIZER_OBJECTIVES: tuple[OptimizerObjective, ...] = ("min_variance", "mean_variance")
OPTIMIZER_OBJECTIVE_LABELS: dict[str, str] = {"min_variance": "Minimum variance", "mean_variance": "Mean-variance"}


@dataclass(frozen=True, slots=True)
class OptimizerSpec:
    """The risk optimizer in the loop (``risk/analytics/optimizer.py``), long-only and fully invested.

    ``risk_aversion`` is λ of ``max μᵀw − λ wᵀΣw`` (mean-variance only; daily units);
    ``max_weight`` the cap per name (fraction of NAV); ``turnover`` the cap on the two-sided
    turnover ``||w − w0||₁`` per rebalance (None = no cap). Constraints the solver cannot meet are
    relaxed (turnover first), see ``FactorOptimizer.solve(relax=True)``.
    """

    objective: OptimizerObjective = "min_variance"
    risk_aversion: float = 1.0
    max_weight: float = 0.05
    turnover: float | None = None


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    """One backtest: signal, universe, dates, schedule, portfolio construction and costs.

    ``signal`` is a name of the research signal library (``research.analytics.signals.SIGNALS``)
    or :data:`MARKET`; an old name from before the one library (``low_vol``, ``momentum_12_1``,
    ``reversal_1m``: ``signals.ALIASES``) becomes its canonical name on construction, so a stored
    config naming it still loads and runs the one definition.

    Costs are in basis points of traded value (commission, half spread) plus a square-root impact
    coefficient (see :mod:`backtests.analytics.costs`). ``top_n`` is the number of names of the
    long-only book; ``universe_top_n`` the number of largest names when ``universe == "top_cap"``.
    """

    signal: str
    start: dt.date
    end: dt.date
    rebalance: Schedule = "monthly"
    construction: Construction = "long_short_decile"
    top_n: int = 50
    universe: UniverseRule = "all"
    universe_top_n: int = 500
    commission_bps: float = 1.0
    half_spread_bps: float = 5.0
    impact_k: float = 0.0
    source: DataSource = "warehouse"
    synthetic: SyntheticSpec | None = None
    optimizer: OptimizerSpec | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "signal", canonical_name(self.signal))

    def as_json_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.optimizer is None:
            del out["optimizer"]  # configs without an optimizer keep the hash they had before it existed
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        return out

    def canonical_json(self) -> str:
        return canonical_json(self.as_json_dict())

    def hash(self) -> str:
        return sha256_text(self.canonical_json())

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> BacktestConfig:
        """Build and validate a config from its JSON form (raises :class:`ConfigError`)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError({name: "unknown setting" for name in unknown})
        values = dict(data)
        errors: dict[str, str] = {}
        for key in ("start", "end"):
            if isinstance(values.get(key), str):
                try:
                    values[key] = dt.date.fromisoformat(values[key])
                except ValueError:
                    errors[key] = "not an ISO date (YYYY-MM-DD)"
        if isinstance(values.get("synthetic"), dict):
            values["synthetic"] = SyntheticSpec(**values["synthetic"])
        if isinstance(values.get("optimizer"), dict):
            try:
                values["optimizer"] = OptimizerSpec(**values["optimizer"])
            except TypeError as exc:
                errors["optimizer"] = str(exc)
        if errors:
            raise ConfigError(errors)
        try:
            config = cls(**values)
        except TypeError as exc:
            raise ConfigError({"config": str(exc)}) from exc
        config.validate()
        return config

    def validate(self) -> None:
        """Field-level checks that need no data (the data range is checked by the service)."""
        errors: dict[str, str] = {}
        if self.signal not in SIGNALS and self.signal != MARKET:
            errors["signal"] = f"unknown signal; choose one of {', '.join([*SIGNALS, MARKET])}"
        if not isinstance(self.start, dt.date) or not isinstance(self.end, dt.date):
            errors["start"] = "start and end must be dates"
        elif self.start >= self.end:
            errors["end"] = "end must be after start"
        checks = {
            "rebalance": (self.rebalance in SCHEDULES, f"choose one of {', '.join(SCHEDULES)}"),
            "construction": (self.construction in CONSTRUCTIONS, f"choose one of {', '.join(CONSTRUCTIONS)}"),
            "universe": (self.universe in UNIVERSES, f"choose one of {', '.join(UNIVERSES)}"),
            "source": (self.source in SOURCES, f"choose one of {', '.join(SOURCES)}"),
            "top_n": (isinstance(self.top_n, int) and self.top_n >= 1, "must be a whole number >= 1"),
            "universe_top_n": (
                isinstance(self.universe_top_n, int) and self.universe_top_n >= 10,
                "must be a whole number >= 10",
            ),
            "impact_k": (_number(self.impact_k) and 0 <= self.impact_k <= 10, "must be between 0 and 10"),
        }
        for name in ("commission_bps", "half_spread_bps"):
            value = getattr(self, name)
            checks[name] = (_number(value) and 0 <= value <= MAX_BPS, f"must be between 0 and {MAX_BPS:g} bps")
        errors.update({name: message for name, (ok, message) in checks.items() if not ok and name not in errors})
        if self.source == "synthetic" and self.synthetic is None:
            errors["synthetic"] = "a synthetic source needs its generator settings"
        if self.source == "warehouse" and self.synthetic is not None:
            errors["synthetic"] = "generator settings only apply to the synthetic source"
        if self.optimizer is not None:
            errors.update(_optimizer_errors(self))
        if errors:
            raise ConfigError(errors)


def _optimizer_errors(config: BacktestConfig) -> dict[str, str]:
    spec = config.optimizer
    assert spec is not None
    if config.source != "warehouse":
        return {"optimizer": "the optimizer needs a risk model, which is built from the warehouse source"}
    checks = {
        "objective": (spec.objective in OPTIMIZER_OBJECTIVES, f"choose one of {', '.join(OPTIMIZER_OBJECTIVES)}"),
        "risk_aversion": (_number(spec.risk_aversion) and spec.risk_aversion > 0, "must be > 0"),
        "max_weight": (_number(spec.max_weight) and 0 < spec.max_weight <= 1, "must be in (0, 1]"),
        "turnover": (spec.turnover is None or (_number(spec.turnover) and spec.turnover > 0), "must be > 0 or empty"),
    }
    problems = [f"{name} {message}" for name, (ok, message) in checks.items() if not ok]
    return {"optimizer": "; ".join(problems)} if problems else {}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value
