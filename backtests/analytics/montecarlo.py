"""Monte Carlo resampling of backtest results: bootstrap of trades, (stationary) block bootstrap
and shuffling of daily returns, percentile confidence intervals and fan-chart quantile paths.

All randomness comes from a ``numpy.random.Generator`` built from the ``seed`` argument (an int
or an existing Generator), so results are reproducible. Metrics come from
:mod:`backtests.analytics.metrics` (missing values are dropped *before* resampling).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from . import metrics as m
from .metrics._core import as_array

Method = Literal["iid", "block", "stationary", "shuffle"]


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def stationary_bootstrap_indices(
    n: int, n_sims: int, *, mean_block: float, seed: int | np.random.Generator
) -> np.ndarray:
    """Politis & Romano (1994) stationary bootstrap: ``(n_sims, n)`` indices into a length-n series.

    Blocks start at uniform random positions and have geometric lengths with mean ``mean_block``
    (a new block starts at each step with probability ``1/mean_block``); blocks wrap around.
    """
    if n < 1 or mean_block < 1:
        raise ValueError("need n >= 1 and mean_block >= 1")
    rng = _rng(seed)
    new = rng.random((n_sims, n)) < 1.0 / mean_block
    new[:, 0] = True
    starts = rng.integers(0, n, size=(n_sims, n))
    steps = np.arange(n)
    last_start = np.maximum.accumulate(np.where(new, steps, 0), axis=1)
    origin = np.take_along_axis(starts, last_start, axis=1)
    return (origin + steps - last_start) % n


def block_bootstrap_indices(n: int, n_sims: int, *, block: int, seed: int | np.random.Generator) -> np.ndarray:
    """Circular moving-block bootstrap (Kuensch 1989; Politis & Romano 1992) with fixed ``block``.

    Every observation has the same probability of being drawn at every position, so the
    bootstrap mean is unbiased for the sample mean.
    """
    if n < 1 or block < 1:
        raise ValueError("need n >= 1 and block >= 1")
    rng = _rng(seed)
    n_blocks = -(-n // block)
    starts = rng.integers(0, n, size=(n_sims, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)) % n
    return idx.reshape(n_sims, -1)[:, :n]


def resample_returns(
    returns: m.ReturnsLike,
    *,
    n_sims: int = 1000,
    method: Method = "stationary",
    block: int = 10,
    seed: int | np.random.Generator = 0,
) -> np.ndarray:
    """``(n_sims, n)`` resampled return paths of the non-missing returns.

    ``iid``: draws with replacement; ``block``: circular blocks of ``block`` periods;
    ``stationary``: geometric blocks with mean ``block``; ``shuffle``: random permutations
    (keeps the set of returns, destroys their order: CAGR and Sharpe are unchanged, path
    statistics such as drawdown are not).
    """
    r, _ = m.clean(returns)
    rng = _rng(seed)
    if method == "iid":
        idx = rng.integers(0, r.size, size=(n_sims, r.size))
    elif method == "block":
        idx = block_bootstrap_indices(r.size, n_sims, block=block, seed=rng)
    elif method == "stationary":
        idx = stationary_bootstrap_indices(r.size, n_sims, mean_block=block, seed=rng)
    elif method == "shuffle":
        idx = np.argsort(rng.random((n_sims, r.size)), axis=1)
    else:
        raise ValueError(f"unknown method {method!r}")
    return r[idx]


def bootstrap_trades(
    trade_returns: m.ReturnsLike,
    *,
    n_sims: int = 1000,
    n_trades: int | None = None,
    seed: int | np.random.Generator = 0,
) -> np.ndarray:
    """Resample per-trade returns with replacement: ``(n_sims, n_trades)`` trade sequences.

    Each row is one alternative history of ``n_trades`` (default: as many as observed) trades;
    compound them with :func:`equity_paths` for final wealth and drawdown distributions.
    """
    r, _ = m.clean(trade_returns)
    if r.size == 0:
        raise ValueError("no trades to resample")
    rng = _rng(seed)
    return r[rng.integers(0, r.size, size=(n_sims, n_trades or r.size))]


def equity_paths(paths: np.ndarray) -> np.ndarray:
    """Compounded wealth ``cumprod(1 + r)`` of each row (starting capital 1 excluded)."""
    return np.cumprod(1.0 + paths, axis=1)


@dataclass(frozen=True, slots=True)
class Interval:
    """Point estimate on the original series and a percentile bootstrap interval."""

    estimate: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Per-simulation metric draws and their percentile intervals at ``confidence``."""

    sharpe: np.ndarray
    cagr: np.ndarray
    max_drawdown: np.ndarray
    sharpe_ci: Interval
    cagr_ci: Interval
    max_drawdown_ci: Interval
    confidence: float
    n_sims: int
    method: str


def _interval(estimate: float, draws: np.ndarray, confidence: float) -> Interval:
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.nanquantile(draws, [alpha, 1.0 - alpha])
    return Interval(float(estimate), float(lo), float(hi))


def monte_carlo(
    returns: m.ReturnsLike,
    *,
    n_sims: int = 1000,
    method: Method = "stationary",
    block: int = 10,
    confidence: float = 0.95,
    periods_per_year: float = m.DEFAULT_PERIODS_PER_YEAR,
    seed: int | np.random.Generator = 0,
) -> MonteCarloResult:
    """Percentile confidence intervals of Sharpe (rf = 0), CAGR and max drawdown by resampling.

    Each simulated path is scored with the project's metric functions (Sharpe ``ddof=1``
    annualised by ``sqrt(periods_per_year)``, geometric CAGR, drawdown from starting capital 1).
    """
    r, _ = m.clean(returns)
    paths = resample_returns(r, n_sims=n_sims, method=method, block=block, seed=seed)
    return score_paths(r, paths, confidence=confidence, periods_per_year=periods_per_year, method=method)


def score_paths(
    original: m.ReturnsLike,
    paths: np.ndarray,
    *,
    confidence: float = 0.95,
    periods_per_year: float = m.DEFAULT_PERIODS_PER_YEAR,
    method: str,
) -> MonteCarloResult:
    """Score resampled ``(n_sims, n)`` return ``paths`` (from :func:`resample_returns` or
    :func:`bootstrap_trades`) against the ``original`` series: Sharpe, CAGR and max drawdown of every
    path and their percentile intervals. ``periods_per_year`` is that of the rows (days, or trades
    per year for holding-period returns)."""
    r, _ = m.clean(original)
    sharpe = np.array([m.sharpe_ratio(p, periods_per_year=periods_per_year) for p in paths])
    cagr = np.array([m.annual_return(p, periods_per_year=periods_per_year) for p in paths])
    mdd = np.array([m.max_drawdown(p) for p in paths])
    return MonteCarloResult(
        sharpe=sharpe,
        cagr=cagr,
        max_drawdown=mdd,
        sharpe_ci=_interval(m.sharpe_ratio(r, periods_per_year=periods_per_year), sharpe, confidence),
        cagr_ci=_interval(m.annual_return(r, periods_per_year=periods_per_year), cagr, confidence),
        max_drawdown_ci=_interval(m.max_drawdown(r), mdd, confidence),
        confidence=confidence,
        n_sims=int(paths.shape[0]),
        method=method,
    )


def holding_period_returns(returns: m.ReturnsLike, starts: np.ndarray) -> np.ndarray:
    """Compounded return of each holding period, the "trades" of a rebalanced portfolio.

    ``starts`` (bool, same length as ``returns``) marks the first row of each period (a rebalance);
    a period runs to the row before the next start. Rows before the first start are left out and a
    missing return counts as 0 (no position). Returns one simple return per period, in order.
    """
    r = np.nan_to_num(as_array(returns), nan=0.0)
    marks = np.asarray(starts, dtype=bool)
    if marks.shape != r.shape:
        raise ValueError("starts must have one flag per return")
    first = np.flatnonzero(marks)
    if first.size == 0:
        return np.array([], dtype=float)
    period = np.cumsum(marks[first[0] :]) - 1
    return np.expm1(np.bincount(period, weights=np.log1p(r[first[0] :])))


def fan_chart(paths: np.ndarray, quantiles: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pl.DataFrame:
    """Quantiles across simulations of the wealth at each step: ``step, q05, q25, ...``.

    ``paths`` are per-period returns ``(n_sims, n)``; wealth starts at 1 (step 0).
    """
    wealth = np.hstack([np.ones((paths.shape[0], 1)), equity_paths(paths)])
    qs = np.quantile(wealth, quantiles, axis=0)
    cols = {f"q{round(q * 100):02d}": qs[i] for i, q in enumerate(quantiles)}
    return pl.DataFrame({"step": np.arange(wealth.shape[1]), **cols})
