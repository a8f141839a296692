"""Golden backtests: a few pinned configs whose headline metrics are stored with tolerances.

Each ``tests/regression/goldens/<name>.json`` holds the config (seeded synthetic inputs, so no
warehouse is needed), its hash, the metrics and the tolerances. ``golden_check`` recomputes and
reports drift; ``goldens_regenerate`` rewrites the files deliberately and returns old -> new per
metric. ``prune_backtests`` never deletes a run whose config hash a golden lists.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

from backtests.configs import BacktestConfig, SyntheticSpec
from backtests.data import load_inputs
from backtests.services.execute import simulate
from backtests.services.results import summarize
from quant.io import atomic_write_text

GOLDENS_DIR = Path(__file__).resolve().parents[2] / "tests" / "regression" / "goldens"
METRICS = ("total_return", "cagr", "volatility", "sharpe", "max_drawdown", "turnover")
DEFAULT_TOLERANCE = {"rel": 1e-7, "abs": 1e-10}
PANEL = SyntheticSpec(stocks=150, days=1000, seed=2024)

CASES: dict[str, BacktestConfig] = {
    "momentum_monthly_long_short": BacktestConfig(
        signal="momentum_12_1", start=dt.date(2006, 2, 1), end=dt.date(2008, 12, 19), rebalance="monthly",
        commission_bps=1.0, half_spread_bps=5.0, source="synthetic", synthetic=PANEL,
    ),
    "low_vol_quarterly_top20_large_caps": BacktestConfig(
        signal="low_vol", start=dt.date(2005, 6, 1), end=dt.date(2008, 12, 19), rebalance="quarterly",
        construction="long_only_top_n", top_n=20, universe="top_cap", universe_top_n=100,
        commission_bps=2.0, half_spread_bps=3.0, source="synthetic", synthetic=PANEL,
    ),
    "reversal_weekly_with_impact": BacktestConfig(
        signal="reversal_1m", start=dt.date(2005, 3, 1), end=dt.date(2007, 12, 31), rebalance="weekly",
        commission_bps=0.5, half_spread_bps=2.0, impact_k=0.3, source="synthetic", synthetic=PANEL,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Golden:
    name: str
    config: BacktestConfig
    metrics: dict[str, float | None]
    tolerance: dict[str, float]

    @property
    def path(self) -> Path:
        return GOLDENS_DIR / f"{self.name}.json"


@dataclass(frozen=True)
class Drift:
    metric: str
    old: float | None
    new: float | None
    within: bool


def compute_metrics(config: BacktestConfig) -> dict[str, float | None]:
    summary = summarize(simulate(config, load_inputs(config)))
    return {name: getattr(summary, name) for name in METRICS}


def load_goldens(directory: Path = GOLDENS_DIR) -> list[Golden]:
    goldens = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text())
        config = BacktestConfig.from_json_dict(data["config"])
        if config.hash() != data["config_hash"]:
            raise ValueError(f"{path.name}: config_hash does not match its config")
        goldens.append(Golden(path.stem, config, data["metrics"], data.get("tolerance", DEFAULT_TOLERANCE)))
    return goldens


def golden_config_hashes(directory: Path = GOLDENS_DIR) -> set[str]:
    """Config hashes the goldens reference (protected from pruning)."""
    return {json.loads(p.read_text())["config_hash"] for p in directory.glob("*.json")}


def _within(old: float | None, new: float | None, tolerance: dict[str, float]) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return math.isclose(old, new, rel_tol=tolerance["rel"], abs_tol=tolerance["abs"])


def golden_check(golden: Golden, metrics: dict[str, float | None] | None = None) -> list[Drift]:
    """Per-metric comparison of freshly computed metrics with the stored ones."""
    new = metrics if metrics is not None else compute_metrics(golden.config)
    return [
        Drift(m, golden.metrics.get(m), new.get(m), _within(golden.metrics.get(m), new.get(m), golden.tolerance))
        for m in METRICS
    ]


def goldens_regenerate(directory: Path = GOLDENS_DIR) -> dict[str, list[Drift]]:
    """Recompute every case of :data:`CASES` and rewrite its file; returns the drift per golden."""
    existing = {g.name: g for g in load_goldens(directory)} if directory.exists() else {}
    directory.mkdir(parents=True, exist_ok=True)
    report = {}
    for name, config in CASES.items():
        metrics = compute_metrics(config)
        old = existing.get(name)
        tolerance = old.tolerance if old else DEFAULT_TOLERANCE
        report[name] = golden_check(Golden(name, config, old.metrics if old else {}, tolerance), metrics)
        body = {
            "name": name, "config": config.as_json_dict(), "config_hash": config.hash(),
            "inputs": "seeded synthetic panel (backtests.synthetic); the demo warehouse is not needed",
            "metrics": metrics, "tolerance": tolerance,
        }  # fmt: skip
        atomic_write_text(directory / f"{name}.json", json.dumps(body, indent=2, sort_keys=True) + "\n")
    return report
