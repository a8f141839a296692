"""Trading-cost model: commission + half spread + square-root market impact.

All costs are fractions of portfolio NAV. For a trade of ``|dw|`` (fraction of NAV) in a name:

``cost = |dw| * (commission_bps + half_spread_bps) / 1e4 + |dw| * k * sigma * sqrt(|dw| * NAV$ / ADV$)``

where ``sigma`` is the name's daily return volatility (the caller's panel, or the trailing
``sigma_window``-day sample std, ``ddof=1``, of returns up to and including the trade date),
``NAV$ = capital * NAV`` and ``ADV$`` the average daily dollar volume. Trades in names without an
ADV (or sigma) observation incur no impact and are counted in ``n_trades_without_impact``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class CostModel:
    """Cost parameters. ``half_spread_bps`` applies where no spread panel value is given."""

    commission_bps: float = 0.0
    half_spread_bps: float = 0.0
    impact_k: float = 0.0
    capital: float = 1e8
    sigma_window: int = 20

    def __post_init__(self) -> None:
        if min(self.commission_bps, self.half_spread_bps, self.impact_k) < 0 or self.capital <= 0:
            raise ValueError("cost parameters must be non-negative and capital positive")
        if self.sigma_window < 2:
            raise ValueError("sigma_window must be at least 2")


@dataclass(frozen=True, slots=True)
class TradeCosts:
    """Per-name cost vector (fractions of NAV) and how many traded names lacked impact inputs."""

    per_name: np.ndarray
    n_without_impact: int


def trade_costs(
    trades: np.ndarray,
    *,
    model: CostModel,
    nav: float,
    half_spread_bps: np.ndarray | None = None,
    adv: np.ndarray | None = None,
    sigma: np.ndarray | None = None,
) -> TradeCosts:
    """Costs of a vector of weight changes ``trades`` (fractions of NAV, signed).

    ``half_spread_bps``, ``adv`` (dollars) and ``sigma`` (daily, fraction) are per-name arrays
    aligned with ``trades``; NaN entries fall back to the model's flat half spread / no impact.
    """
    size = np.abs(trades)
    spread = np.full(size.shape, model.half_spread_bps)
    if half_spread_bps is not None:
        spread = np.where(np.isnan(half_spread_bps), spread, half_spread_bps)
    cost = size * (model.commission_bps + spread) / 1e4
    missing = 0
    if model.impact_k > 0:
        if adv is None or sigma is None:
            impact = np.full(size.shape, np.nan)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                participation = np.where(adv > 0, size * model.capital * nav / adv, np.nan)
                impact = model.impact_k * sigma * np.sqrt(participation)
        traded = size > 0
        missing = int((traded & np.isnan(impact)).sum())
        cost = cost + size * np.nan_to_num(impact, nan=0.0)
    return TradeCosts(cost, missing)
