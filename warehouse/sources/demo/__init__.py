"""Deterministic demo source with a planted factor model (docs/demo-data.md).

>>> from warehouse.sources.demo import DemoConfig, generate
>>> out = generate(DemoConfig(stocks=500, years=10, seed=7))   # doctest: +SKIP
>>> out.datasets["crsp_daily"]                                   # doctest: +SKIP

``generate`` is pure: no I/O, no global random state; the same config gives bit-identical frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import frames, model
from .config import Calibration, DemoConfig, rng_for
from .history import MarketHistory, load_market_history
from .names import assign_gvkeys, build_links, build_names, gvkey_text
from .simulate import Progress, SimResult, simulate

__all__ = ["DATASETS", "PLANTED", "DemoConfig", "DemoOutput", "MarketHistory", "generate", "load_market_history"]

DATASETS = (
    "crsp_daily",
    "crsp_monthly",
    "crsp_names",
    "crsp_delist",
    "compustat_annual",
    "compustat_quarterly",
    "ccm_link",
    "ff_factors",
    "ff_industries",
)
PLANTED = ("factor_returns", "exposures", "specific_var", "meta", "earnings_events", "index_membership", "index_events")


@dataclass(frozen=True)
class DemoOutput:
    datasets: dict[str, pl.DataFrame]
    planted: dict[str, pl.DataFrame]
    config_hash: str


def generate(cfg: DemoConfig, progress: Progress | None = None, *, history: MarketHistory | None = None) -> DemoOutput:
    """Simulate ``cfg`` and return the WRDS-shaped datasets plus the planted truth.

    ``history`` (``load_market_history``) drives market, size, value, momentum and rf from real Ken
    French daily factors on the dates it covers; None keeps every path synthetic."""
    if not isinstance(cfg, DemoConfig):
        raise TypeError(f"generate() needs a DemoConfig, got {type(cfg).__name__}.")
    digest = None if history is None else history.digest
    sim = simulate(cfg, progress, history)
    config_hash = cfg.hash(digest)

    def step(name: str, fraction: float) -> None:
        if progress is not None:
            progress(name, fraction)

    datasets, planted = _build(sim, config_hash, step, digest)
    return DemoOutput(datasets=datasets, planted=planted, config_hash=config_hash)


def _build(
    sim: SimResult, config_hash: str, step: Progress, digest: str | None
) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    s, tl, cfg = sim.stocks, sim.timeline, sim.cfg
    rng = rng_for(cfg.seed, "names")
    present = s.end_day >= tl.out_start
    rows = np.flatnonzero(present)
    end_day = int(np.datetime64(cfg.end, "D").astype(np.int64))
    ds: dict[str, pl.DataFrame] = {}
    ds["crsp_daily"] = frames.crsp_prices(sim, sim.daily, frames.DAILY_SCHEMA)
    sim.daily.clear()
    step("frames", 0.4)
    ds["crsp_monthly"] = frames.crsp_prices(sim, sim.monthly, frames.MONTHLY_SCHEMA)
    ds["crsp_names"], first = build_names(rng, s, rows, tl.days, tl.out_start, end_day, Calibration())
    ds["crsp_delist"] = frames.crsp_delist(sim, rows)
    gv = assign_gvkeys(rng, s)
    gvkey = gvkey_text(gv)
    ds["compustat_annual"], ds["compustat_quarterly"] = frames.compustat(sim, sim.reports, present, gv, gvkey, end_day)
    ds["ccm_link"] = build_links(rng, s, rows, gv, first, tl.days)
    step("frames", 0.7)
    ds["ff_factors"] = frames.ff_factors(sim)
    ds["ff_industries"] = frames.ff_industries(sim)
    planted = {
        "factor_returns": model.factor_returns(sim),
        "exposures": model.exposures(sim),
        "specific_var": model.specific_var(sim, rows),
        "meta": model.meta(sim, config_hash, len(rows), digest),
        "earnings_events": model.earnings_events(sim),
    }
    planted["index_membership"], planted["index_events"] = model.index_frames(sim)
    step("frames", 1.0)
    return {k: ds[k] for k in DATASETS}, planted
