"""Golden backtests: real backtests on a pinned demo warehouse, their metrics stored with tolerances.

Each ``tests/regression/goldens/<name>.json`` holds a warehouse-sourced config, its hash, the pinned
demo dataset (``DemoConfig`` parameters and the generator's ``config_hash``), the dataset versions
the run read, the metrics, the tolerances and a ``history`` of why the numbers were deliberately
changed (written by hand after ``--regenerate``; regenerating keeps it). The inputs go through the production path:
``backtests.data.load_inputs`` (``warehouse.readers``) -> engine -> metrics, on a demo warehouse
that :func:`pinned_demo_warehouse` builds in a temporary directory (``warehouse_sync_demo`` with
:data:`PINNED_DEMO`, ~3 s).

``golden_check`` recomputes and reports drift (a different demo config hash, i.e. a changed demo
generator, is reported as drift of the ``demo_config_hash`` "metric"); ``goldens_regenerate``
rewrites the files deliberately and returns old -> new per metric. ``prune_backtests`` never
deletes a run whose config hash a golden lists.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.test import override_settings

from backtests.configs import BacktestConfig
from backtests.data import current_dataset_versions, load_inputs
from backtests.services.execute import simulate
from backtests.services.results import summarize
from quant.io import atomic_write_text
from quant.provenance import canonical_json, sha256_text

GOLDENS_DIR = Path(__file__).resolve().parents[2] / "tests" / "regression" / "goldens"
METRICS = ("total_return", "cagr", "volatility", "sharpe", "max_drawdown", "turnover")
DEFAULT_TOLERANCE = {"rel": 1e-7, "abs": 1e-10}
# The pinned demo dataset: 300 names x 3 years ending 2024-12-31 (DemoConfig's default end).
PINNED_DEMO: dict[str, int] = {"stocks": 300, "years": 3, "seed": 2024}
DEMO_HASH_KEY = "demo_config_hash"

CASES: dict[str, BacktestConfig] = {
    "momentum_monthly_long_short": BacktestConfig(
        signal="momentum", start=dt.date(2023, 1, 3), end=dt.date(2024, 12, 31), rebalance="monthly",
        commission_bps=1.0, half_spread_bps=5.0, source="warehouse",
    ),
    "reversal_weekly_long_short_with_impact": BacktestConfig(
        signal="reversal", start=dt.date(2022, 3, 1), end=dt.date(2024, 12, 31), rebalance="weekly",
        commission_bps=0.5, half_spread_bps=1.0, impact_k=0.1, source="warehouse",
    ),
    "low_vol_monthly_top30_large_caps_with_costs": BacktestConfig(
        signal="lowvol", start=dt.date(2022, 9, 1), end=dt.date(2024, 12, 31), rebalance="monthly",
        construction="long_only_top_n", top_n=30, universe="top_cap", universe_top_n=150,
        commission_bps=2.0, half_spread_bps=3.0, impact_k=0.2, source="warehouse",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class PinnedDemo:
    """The demo warehouse a golden run reads: where it is, its generator hash, its dataset versions."""

    root: Path
    config_hash: str
    params: dict[str, int]


@dataclass(frozen=True)
class Golden:
    name: str
    config: BacktestConfig
    metrics: dict[str, float | None]
    tolerance: dict[str, float]
    demo_config_hash: str | None = None
    dataset_versions: dict[str, Any] | None = None

    @property
    def path(self) -> Path:
        return GOLDENS_DIR / f"{self.name}.json"


@dataclass(frozen=True)
class Drift:
    metric: str
    old: float | str | None
    new: float | str | None
    within: bool


def _warehouse_settings(root: Path) -> dict[str, Path]:
    return {"WAREHOUSE_DIR": root / "warehouse", "LOCKS_DIR": root / "locks"}


def build_pinned_demo(root: Path) -> PinnedDemo:
    """Generate and publish the pinned demo warehouse under ``root`` (not the live DATA_DIR)."""
    from warehouse.services import warehouse_sync_demo

    with override_settings(**_warehouse_settings(root)):
        result = warehouse_sync_demo(**PINNED_DEMO, force=True, writer="backtest_goldens")
    return PinnedDemo(root=root, config_hash=result.config_hash, params=dict(PINNED_DEMO))


@contextmanager
def use_pinned_demo(demo: PinnedDemo) -> Iterator[PinnedDemo]:
    """Point the warehouse readers at ``demo`` for the duration of the block."""
    with override_settings(**_warehouse_settings(demo.root)):
        yield demo


@contextmanager
def pinned_demo_warehouse() -> Iterator[PinnedDemo]:
    """Build the pinned demo warehouse in a temporary directory, use it, then delete it."""
    root = Path(tempfile.mkdtemp(prefix="quantdesk-goldens-"))
    try:
        with use_pinned_demo(build_pinned_demo(root)) as demo:
            yield demo
    finally:
        shutil.rmtree(root, ignore_errors=True)


def compute_metrics(config: BacktestConfig) -> dict[str, float | None]:
    """Headline metrics of ``config`` through the production data path (the active warehouse)."""
    summary = summarize(simulate(config, load_inputs(config)))
    return {name: getattr(summary, name) for name in METRICS}


def load_goldens(directory: Path = GOLDENS_DIR) -> list[Golden]:
    goldens = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text())
        # The hash is of the config as stored: an old signal name (``signals.ALIASES``) still matches
        # its file, and loads as the canonical name.
        if sha256_text(canonical_json(data["config"])) != data["config_hash"]:
            raise ValueError(f"{path.name}: config_hash does not match its config")
        config = BacktestConfig.from_json_dict(data["config"])
        demo = data.get("demo") or {}
        goldens.append(
            Golden(
                path.stem, config, data["metrics"], data.get("tolerance", DEFAULT_TOLERANCE),
                demo_config_hash=demo.get("config_hash"), dataset_versions=data.get("dataset_versions"),
            )
        )  # fmt: skip
    return goldens


def golden_config_hashes(directory: Path = GOLDENS_DIR) -> set[str]:
    """Config hashes the goldens reference (protected from pruning)."""
    return {json.loads(p.read_text())["config_hash"] for p in directory.glob("*.json")}


def _within(old: float | None, new: float | None, tolerance: dict[str, float]) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return math.isclose(old, new, rel_tol=tolerance["rel"], abs_tol=tolerance["abs"])


def golden_check(
    golden: Golden, metrics: dict[str, float | None] | None = None, *, demo_config_hash: str | None = None
) -> list[Drift]:
    """Per-metric comparison of freshly computed metrics with the stored ones.

    ``metrics`` defaults to recomputing ``golden.config`` on the active warehouse (which must be
    the pinned demo: see :func:`pinned_demo_warehouse`). When ``demo_config_hash`` is given, a
    golden recorded on another demo dataset is reported as a drift of ``demo_config_hash``.
    """
    new = metrics if metrics is not None else compute_metrics(golden.config)
    drifts = [
        Drift(m, golden.metrics.get(m), new.get(m), _within(golden.metrics.get(m), new.get(m), golden.tolerance))
        for m in METRICS
    ]
    if demo_config_hash is not None:
        old = golden.demo_config_hash
        drifts.insert(0, Drift(DEMO_HASH_KEY, old, demo_config_hash, old == demo_config_hash))
    return drifts


def goldens_regenerate(demo: PinnedDemo, directory: Path = GOLDENS_DIR) -> dict[str, list[Drift]]:
    """Recompute every case of :data:`CASES` on ``demo`` and rewrite its file; returns the drift per golden."""
    existing = {g.name: g for g in load_goldens(directory)} if directory.exists() else {}
    directory.mkdir(parents=True, exist_ok=True)
    report = {}
    with use_pinned_demo(demo):
        for name, config in CASES.items():
            metrics = compute_metrics(config)
            old = existing.get(name)
            tolerance = old.tolerance if old else DEFAULT_TOLERANCE
            history = _history(directory / f"{name}.json")
            previous = old or Golden(name, config, {}, tolerance)
            report[name] = golden_check(previous, metrics, demo_config_hash=demo.config_hash)
            body = {
                "name": name, "config": config.as_json_dict(), "config_hash": config.hash(),
                "inputs": "pinned demo warehouse (warehouse_sync_demo) read through backtests.data.load_inputs",
                "demo": {**demo.params, "end": _demo_end(), "config_hash": demo.config_hash},
                "dataset_versions": current_dataset_versions(config),
                "metrics": metrics, "tolerance": tolerance, "history": history,
            }  # fmt: skip
            atomic_write_text(directory / f"{name}.json", json.dumps(body, indent=2, sort_keys=True) + "\n")
    return report


def _history(path: Path) -> list[str]:
    """The hand-written notes of the golden at ``path`` (why its numbers changed), [] when new."""
    return list(json.loads(path.read_text()).get("history", [])) if path.exists() else []


def _demo_end() -> str:
    from warehouse.sources.demo import DemoConfig

    return DemoConfig(**PINNED_DEMO).end.isoformat()
