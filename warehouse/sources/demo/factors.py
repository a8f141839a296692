"""Planted factor-return paths: market (GARCH(1,1), Student-t), industries, styles, risk-free rate.

All paths are daily decimals over every simulated session (burn-in included). The market path is
the *excess* market factor; stock returns add the risk-free rate on top (docs/demo-data.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import SECTORS, STYLES, TD, Calibration

REAL_STYLES = ("size", "value", "momentum")  # driven by -SMB, HML, Mom where Ken French covers the date


@dataclass(frozen=True)
class FactorPaths:
    market: np.ndarray  # (days,)
    market_var: np.ndarray  # (days,) conditional GARCH variance (daily)
    sectors: np.ndarray  # (days, len(SECTORS))
    styles: np.ndarray  # (days, len(STYLES))
    rf: np.ndarray  # (days,)
    crash_starts: np.ndarray  # session indices where a momentum crash starts
    real_market: np.ndarray  # (days,) bool: market, size, value and rf come from Ken French
    real_momentum: np.ndarray  # (days,) bool: momentum comes from Ken French


def unit_t(rng: np.random.Generator, dof: float, size: int | tuple[int, ...]) -> np.ndarray:
    """Student-t draws scaled to unit variance."""
    return rng.standard_t(dof, size) * np.sqrt((dof - 2.0) / dof)


def _garch_market(
    rng: np.random.Generator, n: int, cal: Calibration, real: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """GARCH(1,1) path; where ``real`` is finite the return is the real one and the recursion
    filters it, so the conditional variance (the shared volatility regime) follows real history."""
    target = cal.market_vol**2 / TD
    a, b = cal.garch_alpha, cal.garch_beta
    omega = target * (1.0 - a - b)
    h_max = target * cal.garch_max_vol_ratio**2
    z = unit_t(rng, cal.t_dof_factor, n)
    mu = cal.market_premium / TD
    out = np.empty(n)
    var = np.empty(n)
    h = target
    for t in range(n):
        var[t] = h
        shock = np.sqrt(h) * z[t]
        out[t] = mu + shock
        if real is not None and np.isfinite(real[t]):
            out[t], shock = real[t], real[t] - mu
        h = min(omega + a * shock * shock + b * h, h_max)
    return out, var


def _rf_path(rng: np.random.Generator, n: int) -> np.ndarray:
    """A slowly moving annual rate in [0.05 %, 5.5 %], daily, rounded like Ken French's 6 decimals."""
    steps = max(1, n // 21 + 1)
    level = np.empty(steps)
    level[0] = rng.uniform(0.005, 0.03)
    shocks = rng.normal(0.0, 0.002, steps)
    for k in range(1, steps):
        nxt = level[k - 1] + shocks[k]
        level[k] = 0.001 - (nxt - 0.001) if nxt < 0.0005 else (0.11 - nxt if nxt > 0.055 else nxt)
    daily = np.repeat(level, 21)[:n] / TD
    return np.round(daily, 6)


def simulate_factors(
    rng: np.random.Generator, n_days: int, out_start: int, cal: Calibration, real: dict[str, np.ndarray] | None = None
) -> FactorPaths:
    """Planted paths over ``n_days`` sessions. ``real`` (from ``MarketHistory.on``) replaces the
    market (Mkt-RF), size (−SMB), value (HML), momentum (Mom) and rf on the sessions where it is
    finite; styles are rescaled by ``cal.real_style_scale`` to the planted style volatilities.
    Every draw is made either way, so the synthetic sessions are the same draws as without history."""
    market, market_var = _garch_market(rng, n_days, cal, None if real is None else real["mktrf"])
    regime = np.sqrt(market_var / (cal.market_vol**2 / TD))  # volatility clustering shared by sectors
    sector_vol = rng.uniform(*cal.sector_vol_range, len(SECTORS)) / np.sqrt(TD)
    sectors = unit_t(rng, cal.t_dof_factor, (n_days, len(SECTORS))) * sector_vol * regime[:, None]
    style_vol = np.asarray(cal.style_vol) / np.sqrt(TD)
    style_mu = np.asarray(cal.style_premium) / TD
    styles = unit_t(rng, cal.t_dof_factor, (n_days, len(STYLES))) * style_vol + style_mu
    mom = STYLES.index("momentum")
    synthetic_mom = np.ones(n_days, dtype=bool) if real is None else ~np.isfinite(real["umd"])
    # planted crashes go where momentum is synthetic (real history brings its own crashes): the
    # output sessions from the first synthetic one on
    first_syn = out_start + int(np.argmax(synthetic_mom[out_start:])) if synthetic_mom[out_start:].any() else n_days
    years_out = (n_days - first_syn) / TD
    n_crash = max(1, int(rng.poisson(max(years_out, 1e-9) / cal.years_per_crash)))
    hi = max(first_syn + 1, n_days - cal.crash_days)
    crash_starts = np.sort(rng.integers(min(first_syn, hi - 1), hi, n_crash))
    crash_starts = crash_starts[synthetic_mom[crash_starts]] if first_syn < n_days else crash_starts[:0]
    for s in crash_starts:
        window = slice(int(s), int(min(n_days, s + cal.crash_days)))
        styles[window, mom] = styles[window, mom] * 2.0 + cal.crash_daily_mean
    rf = _rf_path(rng, n_days)
    real_market = np.zeros(n_days, dtype=bool) if real is None else np.isfinite(real["mktrf"])
    if real is not None:
        rf = np.where(np.isfinite(real["rf"]), real["rf"], rf)
        for k, (col, scale) in enumerate(zip(("smb", "hml", "umd"), cal.real_style_scale, strict=True)):
            j = STYLES.index(REAL_STYLES[k])
            styles[:, j] = np.where(np.isfinite(real[col]), real[col] * scale, styles[:, j])
    return FactorPaths(market, market_var, sectors, styles, rf, crash_starts, real_market, ~synthetic_mom)
