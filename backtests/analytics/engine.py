"""Daily cross-sectional portfolio backtest (pure: polars panels in, polars frames out).

Timing convention
-----------------
Weights are decided at the close of date ``t`` from data dated ``<= t`` (signal, universe,
returns for the sigma estimate) and trades execute at that close; the new positions earn returns
from ``t+1`` on. Between rebalances weights drift with their returns,
``w_i <- w_i (1 + r_i) / (1 + sum_j w_j r_j)``; the remainder ``1 - sum w`` is cash earning 0.

Inputs (long polars frames)
---------------------------
* ``returns``: ``date, permno, ret`` — simple daily returns with delisting returns already
  merged in by the caller. A null ``ret`` on a row is treated as 0 for a held name (counted in
  ``n_missing_returns_held``).
* ``universe``: ``date, permno`` rows = tradable that day (default: every returns row).
* ``adv``: ``date, permno, adv`` (dollars) and optionally ``sigma`` (daily vol);
  ``spread``: ``date, permno, half_spread_bps``; ``benchmark``: ``date, return``.

Exits: a held name with no returns row on a date has left the data (delisted); it was liquidated
at its last return (the merged delisting return) and its weight goes to cash with no cost
(``reason="delisted"``). A held name that is still priced but out of the universe is sold at that
close with costs (``reason="universe_exit"``).

Costs are charged at the trading close as a fraction of NAV: ``net = (1+gross)(1-cost) - 1``;
post-trade weights equal the targets: positions are sized on the post-cost NAV, so the trade in
each name is ``target (1 - cost) - w`` (fractions of the pre-trade NAV) and ``cost`` is the cost of
exactly those trades, the fixed point ``cost = costs(target (1 - cost) - w)`` (a contraction with
factor about ``cost rate x gross exposure``; iterated to machine precision). That is what a broker
account does when the orders are sized on post-cost equity, which is why a paper strategy replays
a backtest to 1e-10 (``backtests.services.strategies``; docs/backtests.md "Strategies that run").
Names held at an unchanged target fund the costs with a small sale (``target (1-cost) - w``).

:func:`decide` is the one "what to trade at the close of ``t``" step: the backtest loop calls it
every date and the strategy runner calls it once per session on the live book.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .costs import CostModel, TradeCosts, trade_costs
from .schedule import Schedule, rebalance_dates
from .weighting import Weighting

Optimizer = Callable[[dt.date, pl.DataFrame, pl.DataFrame], pl.DataFrame]
"""``optimizer(date, alpha[permno, alpha], current_weights[permno, weight]) -> [permno, weight]``."""


@dataclass(frozen=True, slots=True)
class Panels:
    """Point-in-time inputs (see the module docstring for the columns)."""

    returns: pl.DataFrame
    universe: pl.DataFrame | None = None
    adv: pl.DataFrame | None = None
    spread: pl.DataFrame | None = None
    benchmark: pl.DataFrame | None = None


@dataclass(frozen=True, slots=True)
class Strategy:
    """Either ``target_weights`` (``date, permno, weight``) or ``signal`` (``date, permno, signal``)
    with a ``weighting`` function; an optional ``optimizer`` refines the target at each rebalance.

    Rebalances happen on the ``schedule`` dates (for ``target_weights``: those of its dates that
    are on the schedule). Target weights and signals of names that are not tradable that day
    (outside the universe or without a returns row) are ignored — weights are *not*
    renormalised.
    """

    schedule: Schedule = "monthly"
    target_weights: pl.DataFrame | None = None
    signal: pl.DataFrame | None = None
    weighting: Weighting | None = None
    optimizer: Optimizer | None = None

    def __post_init__(self) -> None:
        if (self.target_weights is None) == (self.signal is None):
            raise ValueError("give exactly one of target_weights or signal")
        if self.signal is not None and self.weighting is None and self.optimizer is None:
            raise ValueError("a signal needs a weighting function or an optimizer")


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """``daily``: date, gross_return, net_return, cost, turnover (one-sided, trades only),
    gross_exposure, net_exposure, n_positions, nav [, benchmark]; ``positions``: end-of-day
    date, permno, weight; ``trades``: date, permno, trade (weight change), cost, reason."""

    daily: pl.DataFrame
    positions: pl.DataFrame
    trades: pl.DataFrame
    n_missing_returns_held: int = 0
    n_trades_without_impact: int = 0


@dataclass(slots=True)
class _Grid:
    """The (date x permno) index of the returns panel and wide matrices on it."""

    dates: pl.Series
    permnos: np.ndarray

    @classmethod
    def of(cls, returns: pl.DataFrame) -> _Grid:
        return cls(returns["date"].unique().sort(), returns["permno"].unique().sort().to_numpy())

    def wide(self, frame: pl.DataFrame | None, value: str, fill: float = np.nan) -> np.ndarray | None:
        if frame is None or value not in frame.columns:
            return None
        out = np.full((self.dates.len(), self.permnos.size), fill, dtype=float)
        rows, cols, keep = self._positions(frame)
        values = frame[value].cast(pl.Float64).fill_null(np.nan).to_numpy()
        out[rows, cols] = values if keep is None else values[keep]
        return out

    def mask(self, frame: pl.DataFrame) -> np.ndarray:
        out = np.zeros((self.dates.len(), self.permnos.size), dtype=bool)
        rows, cols, _ = self._positions(frame)
        out[rows, cols] = True
        return out

    def _positions(self, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Row and column of each of ``frame``'s rows on the grid (look-up tables over the integer
        day numbers and permnos); rows whose date or permno is not on the grid are left out
        (``keep`` marks the rest, None when every row is on it)."""
        rows = _lookup(self.dates.cast(pl.Int32).to_numpy(), frame["date"].cast(pl.Int32).to_numpy())
        cols = _lookup(self.permnos, frame["permno"].to_numpy())
        on_grid = (rows >= 0) & (cols >= 0)
        if on_grid.all():
            return rows, cols, None
        return rows[on_grid], cols[on_grid], on_grid


def _lookup(axis: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of each of ``values`` in the sorted unique integer ``axis`` (-1 when absent)."""
    values = values.astype(np.int64, copy=False)
    if axis.size == 0:
        return np.full(values.size, -1, dtype=np.int64)
    low, high = int(axis[0]), int(axis[-1])
    if high - low < 50_000_000:  # a dense table: O(1) per value
        table = np.full(high - low + 1, -1, dtype=np.int64)
        table[axis.astype(np.int64) - low] = np.arange(axis.size)
        inside = (values >= low) & (values <= high)
        return np.where(inside, table[np.clip(values - low, 0, high - low)], -1)
    pos = np.minimum(np.searchsorted(axis, values), axis.size - 1)
    return np.where(axis[pos] == values, pos, -1)


@dataclass(slots=True)
class _Inputs:
    """Wide (date x permno) matrices of every panel."""

    grid: _Grid
    ret: np.ndarray
    has_row: np.ndarray
    universe: np.ndarray
    alpha: np.ndarray | None
    targets: np.ndarray | None
    target_days: set[dt.date]
    adv: np.ndarray | None
    sigma: np.ndarray | None
    spread: np.ndarray | None
    schedule: set[dt.date]

    @classmethod
    def build(cls, panels: Panels, strategy: Strategy, *, calendar: pl.Series | None = None) -> _Inputs:
        grid = _Grid.of(panels.returns)
        ret = grid.wide(panels.returns, "ret")
        assert ret is not None
        has_row = grid.mask(panels.returns)
        if int(has_row.sum()) != panels.returns.height:  # two rows landed on one cell
            dup = panels.returns.select("date", "permno").is_duplicated()
            raise ValueError(f"returns has {int(dup.sum())} duplicated (date, permno) rows")
        tw = strategy.target_weights
        return cls(
            grid=grid,
            ret=ret,
            has_row=has_row,
            universe=has_row if panels.universe is None else grid.mask(panels.universe) & has_row,
            alpha=grid.wide(strategy.signal, "signal"),
            targets=grid.wide(tw, "weight", 0.0),
            target_days=set() if tw is None else set(tw["date"].to_list()),
            adv=grid.wide(panels.adv, "adv"),
            sigma=grid.wide(panels.adv, "sigma"),
            spread=grid.wide(panels.spread, "half_spread_bps"),
            schedule=set(rebalance_dates(grid.dates if calendar is None else calendar, strategy.schedule).to_list()),
        )

    def trailing_sigma(self, t: int, window: int) -> np.ndarray:
        """Sample std (ddof=1) of each name's returns over rows ``t-window+1 .. t`` (>= 2 obs)."""
        if self.sigma is not None:
            return self.sigma[t]
        block = self.ret[max(0, t - window + 1) : t + 1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.nanstd(block, axis=0, ddof=1)
        sd[(~np.isnan(block)).sum(axis=0) < 2] = np.nan
        return sd


@dataclass(slots=True)
class _Ledger:
    """Rows collected during the simulation."""

    daily: list[tuple] = field(default_factory=list)
    positions: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    trades: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, str]] = field(default_factory=list)
    missing_held: int = 0
    no_impact: int = 0

    def trade(self, t: int, idx: np.ndarray, size: np.ndarray, cost: np.ndarray, reason: str) -> None:
        if idx.size:
            self.trades.append((t, idx, size, cost, reason))


def _optimize(
    optimizer: Optimizer,
    grid: _Grid,
    date: dt.date,
    alpha: np.ndarray,
    current: np.ndarray,
    eligible: np.ndarray,
) -> np.ndarray:
    keep = eligible & ~np.isnan(alpha)
    held = current != 0
    out = optimizer(
        date,
        pl.DataFrame({"permno": grid.permnos[keep], "alpha": alpha[keep]}),
        pl.DataFrame({"permno": grid.permnos[held], "weight": current[held]}),
    )
    ids = out["permno"].to_numpy()
    cols = np.searchsorted(grid.permnos, ids)
    known = (cols < grid.permnos.size) & (grid.permnos[np.minimum(cols, grid.permnos.size - 1)] == ids)
    if not known.all():
        raise ValueError(f"optimizer returned permnos outside the returns panel on {date}")
    w = np.zeros(grid.permnos.size)
    w[cols] = out["weight"].to_numpy()
    if np.any((w != 0) & ~eligible):
        raise ValueError(f"optimizer gave weight to names not tradable on {date}")
    return w


def _trade(inputs: _Inputs, strategy: Strategy, t: int, w: np.ndarray) -> tuple[np.ndarray, str]:
    """The weight changes at the close of row ``t`` and why (data dated <= t only)."""
    date = inputs.grid.dates[t]
    eligible = inputs.universe[t]
    on_schedule = date in inputs.schedule and (inputs.targets is None or date in inputs.target_days)
    if not on_schedule:
        return np.where((w != 0) & ~eligible, -w, 0.0), "universe_exit"
    if inputs.alpha is not None:
        alpha = np.where(eligible, inputs.alpha[t], np.nan)
        target = strategy.weighting(alpha) if strategy.weighting is not None else np.zeros_like(w)
    else:
        assert inputs.targets is not None
        alpha = target = np.where(eligible, inputs.targets[t], 0.0)
    if strategy.optimizer is not None:
        target = _optimize(strategy.optimizer, inputs.grid, date, alpha, w, eligible)
    return target - w, "rebalance"


@dataclass(frozen=True, slots=True)
class _Step:
    """One close's decision on the grid: post-trade weights ``target`` (on the post-cost NAV), the
    trades ``target (1-cost) - w`` (fractions of the pre-trade NAV), their costs and why."""

    target: np.ndarray
    trade: np.ndarray
    per_name_cost: np.ndarray
    cost: float
    reason: str
    n_without_impact: int


FIXED_POINT_TOL = 1e-17
FIXED_POINT_MAX_ITER = 100


def _decide(inputs: _Inputs, strategy: Strategy, costs: CostModel, t: int, w: np.ndarray, nav: float) -> _Step:
    """Targets at the close of row ``t`` (data dated <= t), sized on the post-cost NAV."""
    change, reason = _trade(inputs, strategy, t, w)
    target = w + change
    target[np.abs(target) < 1e-15] = 0.0
    if not np.any(change):
        return _Step(target, change, np.zeros_like(w), 0.0, reason, 0)
    sigma = inputs.trailing_sigma(t, costs.sigma_window) if costs.impact_k > 0 else None

    def at(cost: float) -> tuple[np.ndarray, TradeCosts]:
        trade = target * (1.0 - cost) - w
        tc = trade_costs(
            trade, model=costs, nav=nav, sigma=sigma,
            half_spread_bps=None if inputs.spread is None else inputs.spread[t],
            adv=None if inputs.adv is None else inputs.adv[t],
        )  # fmt: skip
        return trade, tc

    cost = 0.0
    for _ in range(FIXED_POINT_MAX_ITER):
        trade, tc = at(cost)
        new = float(tc.per_name.sum())
        if abs(new - cost) <= FIXED_POINT_TOL:
            cost = new
            break
        cost = new
    trade, tc = at(cost)
    return _Step(target, trade, tc.per_name, float(tc.per_name.sum()), reason, tc.n_without_impact)


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do at the close of ``date`` (see :func:`decide`).

    ``targets``: permno, weight — post-trade weights on the post-cost NAV (non-zero only);
    ``trades``: permno, trade — weight changes as fractions of the pre-trade NAV, cost (fraction of
    the pre-trade NAV); ``cost``: their sum; ``reason``: ``rebalance`` or ``universe_exit``.
    """

    date: dt.date
    targets: pl.DataFrame
    trades: pl.DataFrame
    cost: float
    reason: str


def decide(
    panels: Panels,
    strategy: Strategy,
    costs: CostModel,
    *,
    date: dt.date,
    weights: pl.DataFrame,
    nav: float = 1.0,
    calendar: pl.Series | None = None,
) -> Decision:
    """The engine's decision at the close of ``date`` for a book holding ``weights``
    (``permno, weight``: drifted, pre-trade, fractions of NAV; names that left the data must already
    be out of it), exactly as :func:`run_backtest` takes it on that date.

    ``panels`` must hold the data up to ``date`` (later rows are ignored: the caller's time travel;
    earlier rows than the trailing ``costs.sigma_window`` sessions are not needed);
    ``calendar``: the trading sessions that decide the schedule (a period's last session is known in
    advance); default the panel's own dates, as in the backtest. ``nav``: NAV in units of
    ``costs.capital`` (for the impact term).
    """
    # The step reads row ``date`` only, plus the trailing sigma window (impact costs): cut there.
    days = panels.returns.select(pl.col("date").filter(pl.col("date") <= date).unique().sort().tail(costs.sigma_window))
    first = days["date"].min() if days.height else date
    upto = pl.col("date").is_between(first, date)
    cut = Panels(
        returns=panels.returns.filter(upto),
        universe=None if panels.universe is None else panels.universe.filter(upto),
        adv=None if panels.adv is None else panels.adv.filter(upto),
        spread=None if panels.spread is None else panels.spread.filter(upto),
    )
    if cut.returns.is_empty() or cut.returns["date"].max() != date:
        raise ValueError(f"no returns on {date}: not a session of the data")
    inputs = _Inputs.build(cut, strategy, calendar=calendar)
    t = inputs.grid.dates.len() - 1
    w = np.zeros(inputs.grid.permnos.size)
    if weights.height:
        cols = _lookup(inputs.grid.permnos, weights["permno"].to_numpy())
        if np.any(cols < 0):
            raise ValueError(f"held names without data on or before {date}")
        w[cols] = weights["weight"].to_numpy()
    if np.any((w != 0) & ~inputs.has_row[t]):
        raise ValueError(f"held names have no returns row on {date}: liquidate delisted names first")
    step = _decide(inputs, strategy, costs, t, w, nav)
    permnos = inputs.grid.permnos
    held, traded = np.flatnonzero(step.target), np.flatnonzero(step.trade)
    return Decision(
        date=date,
        targets=pl.DataFrame({"permno": permnos[held], "weight": step.target[held]}),
        trades=pl.DataFrame(
            {"permno": permnos[traded], "trade": step.trade[traded], "cost": step.per_name_cost[traded]}
        ),
        cost=step.cost,
        reason=step.reason,
    )


Progress = Callable[[int, int], None]
"""``progress(done, total)`` after each simulated date; it may raise to abort the run."""


def run_backtest(
    panels: Panels, strategy: Strategy, costs: CostModel | None = None, *, progress: Progress | None = None
) -> BacktestResult:
    """Simulate the strategy over every date of ``panels.returns`` (see the module docstring).

    ``progress(done, total)`` is called after each date (the job system throttles it, checks
    for cancellation there and lets its exception stop the simulation).
    """
    costs = costs or CostModel()
    inputs = _Inputs.build(panels, strategy)
    ledger = _Ledger()
    w, nav = np.zeros(inputs.grid.permnos.size), 1.0
    n_dates = inputs.grid.dates.len()
    for t, date in enumerate(inputs.grid.dates.to_list()):
        r = inputs.ret[t]
        ledger.missing_held += int(np.sum((w != 0) & inputs.has_row[t] & np.isnan(r)))
        r = np.where(np.isnan(r), 0.0, r)
        gross = float(w @ r)
        w = w * (1.0 + r) / (1.0 + gross) if gross != -1.0 else np.zeros_like(w)
        nav *= 1.0 + gross
        gone = np.flatnonzero((w != 0) & ~inputs.has_row[t])
        ledger.trade(t, gone, -w[gone], np.zeros(gone.size), "delisted")
        w[gone] = 0.0
        step = _decide(inputs, strategy, costs, t, w, nav)
        trade, cost = step.trade, step.cost
        decided = step.target != w  # the rest only funds the costs (a sale of cost x weight)
        ledger.no_impact += step.n_without_impact
        for idx, why in (
            (np.flatnonzero(trade * decided), step.reason),
            (np.flatnonzero(trade * ~decided), "cost_funding"),
        ):
            ledger.trade(t, idx, trade[idx], step.per_name_cost[idx], why)
        w = step.target
        nav *= 1.0 - cost
        held = np.flatnonzero(w)
        ledger.positions.append((held, w[held]))
        ledger.daily.append(
            (
                date,
                gross,
                (1.0 + gross) * (1.0 - cost) - 1.0,
                cost,
                0.5 * float(np.abs(trade).sum()),
                float(np.abs(w).sum()),
                float(w.sum()),
                held.size,
                nav,
            )  # fmt: skip
        )
        if progress is not None:
            progress(t + 1, n_dates)
    return _assemble(inputs.grid, panels, ledger)


def _assemble(grid: _Grid, panels: Panels, ledger: _Ledger) -> BacktestResult:
    cols = ["date", "gross_return", "net_return", "cost", "turnover", "gross_exposure", "net_exposure",
            "n_positions", "nav"]  # fmt: skip
    daily = pl.DataFrame(ledger.daily, schema=cols, orient="row").with_columns(pl.col("n_positions").cast(pl.Int64))
    if panels.benchmark is not None:
        bench = panels.benchmark.select("date", pl.col("return").cast(pl.Float64).alias("benchmark"))
        daily = daily.join(bench, on="date", how="left")
    dates = grid.dates
    pos_t = [np.full(idx.size, t) for t, (idx, _) in enumerate(ledger.positions)]
    positions = pl.DataFrame(
        {
            "date": dates.gather(np.concatenate(pos_t)) if pos_t else dates.clear(),
            "permno": grid.permnos[np.concatenate([p[0] for p in ledger.positions])] if pos_t else grid.permnos[:0],
            "weight": np.concatenate([p[1] for p in ledger.positions]) if pos_t else np.array([], dtype=float),
        }
    )
    tr = ledger.trades
    trades = pl.DataFrame(
        {
            "date": dates.gather(np.concatenate([np.full(x[1].size, x[0]) for x in tr])) if tr else dates.clear(),
            "permno": grid.permnos[np.concatenate([x[1] for x in tr])] if tr else grid.permnos[:0],
            "trade": np.concatenate([x[2] for x in tr]) if tr else np.array([], dtype=float),
            "cost": np.concatenate([x[3] for x in tr]) if tr else np.array([], dtype=float),
            "reason": pl.Series([x[4] for x in tr for _ in range(x[1].size)], dtype=pl.String),
        }
    )
    return BacktestResult(daily, positions, trades, ledger.missing_held, ledger.no_impact)
