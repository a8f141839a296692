"""Portfolio risk report: decomposition, attribution, tracking error, VaR/CVaR and stress tests.

Everything is computed from a published risk model artifact (``load_model``) and the portfolio's
holdings; numbers are **daily decimals** unless a key says ``_annual`` (× √252 for vols).
Holdings outside the model universe are reported as ``unmodelled`` and left out of the risk.
Historical VaR uses the model's own history: ``r_t = x·f_t + Σ_i w_i ε_it`` (factor returns
and residuals of the build, today's exposures), missing residuals counting as 0.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
import polars as pl

from quant.columns import DATE, PERMNO
from quant.gics import sector_label
from quant.periods import periods_per_year
from risk.analytics.portfolio import (
    decompose_risk,
    historical_var,
    monte_carlo_var,
    parametric_var,
    risk_attribution,
    tracking_error,
)
from risk.analytics.stress import SCENARIOS, ScenarioWindow, hypothetical_scenario, replay_scenario
from risk.models import Portfolio, RiskModelRun
from risk.services import artifacts
from risk.services.loaded import LoadedModel, load_model
from risk.services.model_build import KIND
from warehouse import readers

ANNUAL = math.sqrt(periods_per_year("daily"))
HYPOTHETICAL = {"Market −10 %": {"market": -0.10}, "Momentum crash −5 %": {"momentum": -0.05},
                "Value rally +3 %": {"value": 0.03}}  # fmt: skip


class Contributor(TypedDict):
    """One row of the report's top risk contributors (daily decimals; ``_annual`` × √252)."""

    permno: int
    weight: float
    contribution_annual: float
    share: float
    ticker: str


@dataclass
class PortfolioReport:
    portfolio: str
    run_version: str
    as_of: str
    n_holdings: int
    unmodelled: list[int]
    total_vol_annual: float
    factor_vol_annual: float
    specific_vol_annual: float
    te_annual: float
    factor_share: float
    exposures: list[dict]  # factor, portfolio, benchmark, active
    attribution: list[dict]  # source, exposure (None for specific), contribution_annual, share
    top_contributors: list[Contributor]
    var: list[dict]  # method, var, cvar
    stress: list[dict]  # name, kind, covered, pnl, detail
    confidence: float
    horizon: int
    notes: list[str] = field(default_factory=list)


def factor_label(factor: str) -> str:
    """Display name: GICS sector codes get their sector name (``45 Information Technology``)."""
    return sector_label(factor)


def _tickers(run: RiskModelRun, permnos: list[int]) -> dict[int, str]:
    names = readers.names_asof(run.as_of, version=run.dataset_versions)
    return dict(names.filter(pl.col(PERMNO).is_in(permnos)).select(PERMNO, "ticker").iter_rows())


def portfolio_weights(loaded: LoadedModel, portfolio: Portfolio) -> tuple[np.ndarray, list[int]]:
    idx = loaded.index()
    w = np.zeros(loaded.permnos.size)
    missing = []
    for permno, weight in portfolio.holdings.values_list("permno", "weight"):
        if permno in idx:
            w[idx[permno]] += weight
        else:
            missing.append(int(permno))
    return w, sorted(missing)


def _historical_returns(loaded: LoadedModel, w: np.ndarray) -> np.ndarray:
    x = loaded.model.exposures.T @ w
    wide = loaded.factor_returns.pivot(on="factor", index=DATE, values="ret").sort(DATE)
    f = wide.select(loaded.factors).fill_null(0.0).to_numpy()
    weights = pl.DataFrame({PERMNO: loaded.permnos, "w": w}).filter(pl.col("w") != 0)
    resid = (
        artifacts.read_frame(KIND, loaded.version, "residuals")
        .join(weights, on=PERMNO, how="inner")
        .group_by(DATE)
        .agg((pl.col("w") * pl.col("resid")).sum().alias("spec"))
    )
    spec = wide.select(DATE).join(resid, on=DATE, how="left").get_column("spec").fill_null(0.0).to_numpy()
    return f @ x + spec


def _stress(
    loaded: LoadedModel, w: np.ndarray, windows: list[ScenarioWindow], custom: dict[str, float] | None = None
) -> list[dict]:
    weights = pl.DataFrame({PERMNO: loaded.permnos, "weight": w}).filter(pl.col("weight") != 0)
    exposures = loaded.long_exposures().join(weights.select(PERMNO), on=PERMNO, how="semi")
    dates = loaded.factor_returns.get_column(DATE)
    first, last = dates.min(), dates.max()
    assert isinstance(first, dt.date) and isinstance(last, dt.date)  # a built model has factor returns
    rows = []
    for win in windows:
        if win.start < first or win.end > last:
            rows.append({"name": win.name, "kind": "historical", "covered": False, "pnl": None,
                         "detail": f"{win.start} – {win.end}: not covered by the data ({first} – {last})"})  # fmt: skip
            continue
        res = replay_scenario(weights, exposures, loaded.factor_returns, win)
        rows.append({"name": win.name, "kind": "historical", "covered": True, "pnl": res.total,
                     "detail": f"{win.start} – {win.end}"})  # fmt: skip
    hypothetical = {**HYPOTHETICAL, **({"Custom shock": custom} if custom else {})}
    for name, shocks in hypothetical.items():
        if not set(shocks) <= set(loaded.factors):
            continue
        res = hypothetical_scenario(weights, exposures, shocks, loaded.model.factor_cov, loaded.factors, name=name)
        detail = ", ".join(f"{k} {v:+.0%}" for k, v in shocks.items()) + " (others conditional on it)"
        rows.append({"name": name, "kind": "hypothetical", "covered": True, "pnl": res.total, "detail": detail})
    return rows


def portfolio_report(
    *, portfolio: Portfolio, run: RiskModelRun, confidence: float = 0.99, horizon: int = 1,
    windows: list[ScenarioWindow] | None = None, shocks: dict[str, float] | None = None,
) -> PortfolioReport:  # fmt: skip
    """The full risk report of ``portfolio`` under ``run`` (see the module docstring)."""
    loaded = load_model(run.version)
    w, missing = portfolio_weights(loaded, portfolio)
    bench = loaded.benchmark(portfolio.benchmark)
    dec = decompose_risk(loaded.model, w)
    te = tracking_error(loaded.model, w, bench)
    xb = loaded.model.exposures.T @ bench
    xp = dec.exposures
    exposures = [{"factor": f, "label": factor_label(f), "portfolio": float(xp[k]), "benchmark": float(xb[k]),
                  "active": float(xp[k] - xb[k])} for k, f in enumerate(loaded.factors)]  # fmt: skip
    attribution = [{"source": factor_label(row["source"]), "exposure": row["exposure"],
                    "contribution_annual": row["contribution"] * ANNUAL, "share": row["share"]}
                   for row in risk_attribution(loaded.model, w).iter_rows(named=True)]  # fmt: skip
    order = np.argsort(-np.abs(dec.component))[:10]
    comp = dec.component
    held = [i for i in order if w[i] != 0]
    permnos = [int(loaded.permnos[i]) for i in held]
    tickers = _tickers(run, permnos)
    top = [Contributor(permno=p, weight=float(w[i]), contribution_annual=float(comp[i] * ANNUAL),
                       share=float(comp[i] / dec.total_vol), ticker=tickers.get(p, ""))
           for p, i in zip(permnos, held, strict=True)]  # fmt: skip
    hist = _historical_returns(loaded, w)
    vars_ = [
        parametric_var(loaded.model, w, confidence=confidence, horizon=horizon),
        historical_var(hist, confidence=confidence, horizon=horizon),
        monte_carlo_var(loaded.model, w, confidence=confidence, horizon=horizon, n_sims=20_000, seed=0),
    ]
    scenario_windows = windows if windows is not None else list(SCENARIOS.values())
    return PortfolioReport(
        portfolio=portfolio.name,
        run_version=run.version,
        as_of=str(run.as_of),
        n_holdings=int(np.count_nonzero(w)),
        unmodelled=missing,
        total_vol_annual=dec.total_vol * ANNUAL,
        factor_vol_annual=dec.factor_vol * ANNUAL,
        specific_vol_annual=dec.specific_vol * ANNUAL,
        te_annual=te.total_vol * ANNUAL,
        factor_share=dec.factor_var / dec.total_var if dec.total_var > 0 else 0.0,
        exposures=exposures,
        attribution=attribution,
        top_contributors=top,
        var=[{"method": v.method, "var": float(v.var), "cvar": float(v.cvar)} for v in vars_],
        stress=_stress(loaded, w, scenario_windows, shocks),
        confidence=confidence,
        horizon=horizon,
    )


def parse_shocks(text: str, factors: list[str]) -> dict[str, float]:
    """``"market=-0.1, momentum=-0.05"`` → ``{"market": -0.1, "momentum": -0.05}`` (decimals).

    Raises ``ValueError`` naming the problem (unknown factor, bad number, repeated factor).
    """
    shocks: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in factors:
            raise ValueError(f"Unknown factor in {part!r}; factors are {', '.join(factors)}.")
        if name in shocks:
            raise ValueError(f"Factor {name!r} is shocked twice.")
        try:
            shocks[name] = float(value)
        except ValueError as exc:
            raise ValueError(f"Not a number in {part!r} (use decimals, e.g. market=-0.1).") from exc
        if not -1.0 < shocks[name] < 1.0:
            raise ValueError(f"Shock {part!r} must be a decimal between -1 and 1.")
    return shocks


def user_window(start: dt.date, end: dt.date) -> ScenarioWindow:
    if start > end:
        raise ValueError("The scenario start must be on or before its end.")
    return ScenarioWindow(f"Custom {start} – {end}", start, end)
