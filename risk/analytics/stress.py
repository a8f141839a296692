"""Stress tests: historical factor-scenario replay and hypothetical (optionally correlated) shocks.

Conventions: factor returns are daily decimals in a long frame ``date, factor, ret``; the
portfolio is ``permno, weight`` (fractions of capital) with exposures ``permno, factor,
exposure``. A scenario's factor shock is the window's compounded return ``Π(1+f_t) - 1``
(``method="compound"``) or the sum ``Σ f_t`` (``method="sum"``, additive log-like
approximation). Window bounds are inclusive calendar dates. P&L is a linear factor-model
approximation: ``pnl_i = w_i Σ_k X_ik s_k`` (+ ``w_i e_i`` with the name's compounded residual
over the window when residuals are given). P&L is a fraction of portfolio value. Missing-value
policy: a factor with no return in the window gets shock 0 and is listed in
``StressResult.missing_factors``; names without exposures contribute 0 factor P&L.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from quant.columns import DATE, PERMNO, RET

Method = Literal["compound", "sum"]


@dataclass(frozen=True)
class ScenarioWindow:
    """A named historical window (inclusive dates)."""

    name: str
    start: dt.date
    end: dt.date


GFC_2008 = ScenarioWindow("GFC 2008-09", dt.date(2008, 9, 1), dt.date(2009, 3, 31))
COVID_2020 = ScenarioWindow("COVID crash 2020", dt.date(2020, 2, 19), dt.date(2020, 3, 23))
RATES_2022 = ScenarioWindow("2022 rate shock", dt.date(2022, 1, 1), dt.date(2022, 12, 31))
SCENARIOS: dict[str, ScenarioWindow] = {"gfc": GFC_2008, "covid": COVID_2020, "2022": RATES_2022}


@dataclass(frozen=True)
class StressResult:
    """Scenario P&L. ``by_factor``: factor, exposure, shock, pnl. ``by_position``: permno,
    weight, factor_pnl, specific_pnl, pnl. ``total`` = sum of position P&L."""

    name: str
    by_factor: pl.DataFrame
    by_position: pl.DataFrame
    total: float
    missing_factors: tuple[str, ...]


def scenario_shocks(
    factor_returns: pl.DataFrame, window: ScenarioWindow, *, method: Method = "compound"
) -> pl.DataFrame:
    """Per-factor shock over ``window``: ``factor, shock, n_days``. Raises if the window is empty."""
    rows = factor_returns.filter(pl.col(DATE).is_between(window.start, window.end)).drop_nulls(RET)
    if rows.is_empty():
        raise ValueError(f"No factor returns between {window.start} and {window.end} ({window.name}).")
    agg = (pl.col(RET) + 1).product() - 1 if method == "compound" else pl.col(RET).sum()
    return (
        rows.group_by("factor", maintain_order=True)
        .agg(agg.alias("shock"), pl.len().cast(pl.Int64).alias("n_days"))
        .sort("factor")
    )


def conditional_shocks(
    shocks: Mapping[str, float], factor_cov: np.ndarray, factors: Sequence[str], *, propagate: bool = True
) -> pl.DataFrame:
    """Full factor shock vector from a partial one: ``factor, shock``.

    With ``propagate`` the unshocked factors get ``E[f_u | f_s = s] = Σ_us Σ_ss⁻¹ s`` (zero-mean
    multivariate normal factor returns with covariance ``factor_cov``); otherwise 0.
    """
    names = list(factors)
    unknown = sorted(set(shocks) - set(names))
    if unknown:
        raise ValueError(f"Unknown factors in shocks: {unknown}.")
    s_idx = [names.index(f) for f in shocks]
    s = np.array([shocks[names[i]] for i in s_idx], dtype=np.float64)
    full = np.zeros(len(names))
    if propagate:
        sigma = np.asarray(factor_cov, dtype=np.float64)
        full = sigma[:, s_idx] @ np.linalg.solve(sigma[np.ix_(s_idx, s_idx)], s)
    full[s_idx] = s
    return pl.DataFrame({"factor": names, "shock": full})


def stress_pnl(
    weights: pl.DataFrame,
    exposures: pl.DataFrame,
    shocks: pl.DataFrame,
    *,
    name: str = "scenario",
    specific: pl.DataFrame | None = None,
) -> StressResult:
    """Apply factor ``shocks`` (``factor, shock``) to a portfolio.

    weights: ``permno, weight``; exposures: long ``permno, factor, exposure``; specific
    (optional): ``permno, specific`` — each name's own return over the scenario beyond factors.
    """
    exp = exposures.join(weights.select(PERMNO, "weight"), on=PERMNO, how="inner")
    port_exp = exp.group_by("factor").agg((pl.col("weight") * pl.col("exposure")).sum().alias("exposure"))
    by_factor = (
        port_exp.join(shocks.select("factor", "shock"), on="factor", how="left")
        .with_columns(pl.col("shock").fill_null(0.0))
        .with_columns((pl.col("exposure") * pl.col("shock")).alias("pnl"))
        .sort("factor")
    )
    missing = tuple(sorted(set(port_exp.get_column("factor")) - set(shocks.get_column("factor"))))
    pos_factor = (
        exp.join(shocks.select("factor", "shock"), on="factor", how="left")
        .group_by(PERMNO)
        .agg((pl.col("exposure") * pl.col("shock").fill_null(0.0)).sum().alias("_ret"))
    )
    by_position = weights.select(PERMNO, "weight").join(pos_factor, on=PERMNO, how="left")
    if specific is not None:
        by_position = by_position.join(specific.select(PERMNO, "specific"), on=PERMNO, how="left")
    else:
        by_position = by_position.with_columns(pl.lit(None, dtype=pl.Float64).alias("specific"))
    by_position = (
        by_position.with_columns(
            (pl.col("weight") * pl.col("_ret").fill_null(0.0)).alias("factor_pnl"),
            (pl.col("weight") * pl.col("specific").fill_null(0.0)).alias("specific_pnl"),
        )
        .with_columns((pl.col("factor_pnl") + pl.col("specific_pnl")).alias("pnl"))
        .select(PERMNO, "weight", "factor_pnl", "specific_pnl", "pnl")
        .sort(PERMNO)
    )
    return StressResult(
        name=name,
        by_factor=by_factor.select("factor", "exposure", "shock", "pnl"),
        by_position=by_position,
        total=float(by_position.get_column("pnl").sum()),
        missing_factors=missing,
    )


def replay_scenario(
    weights: pl.DataFrame,
    exposures: pl.DataFrame,
    factor_returns: pl.DataFrame,
    window: ScenarioWindow | str,
    *,
    method: Method = "compound",
    residuals: pl.DataFrame | None = None,
) -> StressResult:
    """Historical replay of ``window`` (a :class:`ScenarioWindow` or a key of ``SCENARIOS``).

    ``residuals`` (``date, permno, resid``) adds each name's own specific return over the window,
    aggregated with the same ``method``.
    """
    win = SCENARIOS[window] if isinstance(window, str) else window
    shocks = scenario_shocks(factor_returns, win, method=method)
    specific = None
    if residuals is not None:
        agg = (pl.col("resid") + 1).product() - 1 if method == "compound" else pl.col("resid").sum()
        specific = (
            residuals.filter(pl.col(DATE).is_between(win.start, win.end)).group_by(PERMNO).agg(agg.alias("specific"))
        )
    return stress_pnl(weights, exposures, shocks, name=win.name, specific=specific)


def hypothetical_scenario(
    weights: pl.DataFrame,
    exposures: pl.DataFrame,
    shocks: Mapping[str, float],
    factor_cov: np.ndarray,
    factors: Sequence[str],
    *,
    propagate: bool = True,
    name: str = "hypothetical",
) -> StressResult:
    """P&L of hypothetical factor shocks (decimals, e.g. ``{"market": -0.2}``), optionally
    propagated to the other factors through ``factor_cov`` (see :func:`conditional_shocks`)."""
    full = conditional_shocks(shocks, factor_cov, factors, propagate=propagate)
    return stress_pnl(weights, exposures, full, name=name)
