"""Reads for the strategy performance pages: daily P&L snapshots, positions, live marks, risk exposures.

One query per table: snapshots (``date, equity, ...`` cast to float in SQL) and open positions of
the strategies asked for. Metrics come from the one metrics module over the same daily returns
``manage.py perf_report`` reads (``PnLSnapshot.daily_return``; the pooled return of several books
for the total). Warehouse prices and the risk model are optional: without them the page says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import polars as pl
from django.core.cache import cache
from django.db.models import Count, F, FloatField, Max, QuerySet, Sum, Window
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

from backtests.analytics.blend import pooled_returns
from backtests.analytics.metrics import PerformanceSummary, drawdown_series, performance_summary
from backtests.selectors import monthly_heatmap, rounded, thin
from quant.models import Fill, PnLSnapshot, Position, Strategy

logger = logging.getLogger(__name__)
SNAPSHOT_COLUMNS = ("strategy_id", "date", "equity", "contributed", "daily_return")
CACHE_SECONDS = 3600
POSITIONS_SHOWN = 50  # largest by |market value| on the dashboard; ``?positions=all`` lists every one


def snapshot_frame(strategy_ids: Iterable[int]) -> pl.DataFrame:
    """Every daily snapshot of the strategies: ``strategy_id, date, equity, contributed`` (float
    dollars) and ``daily_return`` (one query, only the columns the pages use)."""
    rows = (
        PnLSnapshot.objects.filter(strategy_id__in=list(strategy_ids))
        .order_by("strategy_id", "date")
        .values_list(
            "strategy_id", "date", Cast("equity", FloatField()), Cast("contributed", FloatField()), "daily_return"
        )  # fmt: skip
    )
    schema = {"strategy_id": pl.Int64, "date": pl.Date, "equity": pl.Float64, "contributed": pl.Float64,
              "daily_return": pl.Float64}  # fmt: skip
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def strategy_returns(snapshots: pl.DataFrame) -> pl.DataFrame:
    """``date, return`` of one book: its stored daily returns (null on the first day)."""
    return snapshots.select("date", pl.col("daily_return").alias("return")).sort("date")


def book_returns(snapshots: pl.DataFrame) -> pl.DataFrame:
    """``date, return`` of one book or, for several, of the books pooled (``pooled_returns``)."""
    if snapshots["strategy_id"].n_unique() <= 1:
        return strategy_returns(snapshots)
    return pooled_returns(snapshots).select("date", "return")


class Held(NamedTuple):
    """An open position as the pages read it (float shares and dollars)."""

    strategy_id: int
    symbol: str
    quantity: float
    avg_cost: float
    realized_pnl: float
    fill_date: dt.date | None  # the newest fill of this book in the symbol: the mark's anchor
    fill_price: float | None


def open_positions(strategy_ids: Iterable[int]) -> list[Held]:
    """Non-zero positions of the strategies with their newest fill (two queries, no model instances)."""
    ids = list(strategy_ids)
    rows = list(
        Position.objects.filter(strategy_id__in=ids).exclude(quantity=0).order_by("symbol")
        .values_list("strategy_id", "symbol", *[Cast(c, FloatField()) for c in ("quantity", "avg_cost",
                                                                                   "realized_pnl")])
    )  # fmt: skip
    if not rows:
        return []
    newest = (
        Fill.objects.filter(strategy_id__in=ids, symbol__in={r[1] for r in rows})
        .annotate(rank=Window(RowNumber(), partition_by=[F("strategy_id"), F("symbol")],
                              order_by=[F("filled_at").desc(), F("id").desc()]))
        .filter(rank=1)
        .values_list("strategy_id", "symbol", "trade_date", Cast("price", FloatField()))
    )  # fmt: skip
    last = {(sid, sym): (day, price) for sid, sym, day, price in newest}
    return [Held(*r, *last.get((r[0], r[1]), (None, None))) for r in rows]


def anchors(held: list[Held]) -> dict[str, tuple[dt.date, float]]:
    """Per symbol, the newest fill among the books shown (date, price): where its marks start."""
    out: dict[str, tuple[dt.date, float]] = {}
    for h in held:
        if h.fill_date is not None and h.fill_price and (h.symbol not in out or h.fill_date > out[h.symbol][0]):
            out[h.symbol] = (h.fill_date, h.fill_price)
    return out


@dataclass(frozen=True)
class Marks:
    """Last two closes per symbol: ``{symbol: (date, close, previous close or None)}``."""

    prices: dict[str, tuple[dt.date, float, float | None]]
    note: str = ""

    @property
    def as_of(self) -> dt.date | None:
        return max((p[0] for p in self.prices.values()), default=None)


def _permnos(symbols: list[str], as_of: dt.date) -> dict[str, int]:
    from warehouse import readers

    found = {s: int(s) for s in symbols if s.isdigit()}
    tickers = [s for s in symbols if not s.isdigit()]
    if tickers:
        names = readers.names_asof(as_of).filter(pl.col("ticker").is_in(tickers))
        for ticker, permno in names.select("ticker", "permno").unique("ticker", keep="last").iter_rows():
            found[ticker] = int(permno)
    return found


def latest_marks(anchored: dict[str, tuple[dt.date, float]]) -> Marks:
    """The last two closes of each symbol, carried from its newest fill by the warehouse's daily
    returns: ``close = fill price * prod(1 + ret)`` over the sessions after the fill (a missing
    return counts as 0). The marks are therefore in the units the book trades in (the paper
    broker's total-return index or a broker's quotes) and the day P&L is ``qty * (close - prev)``.
    Symbols are permnos as text or tickers. Cached per warehouse version and anchors; a missing
    warehouse gives empty marks with a note, never an error."""
    if not anchored:
        return Marks({})
    from warehouse import readers, storage

    version = storage.current_version("crsp_daily")
    if version is None:
        return Marks({}, "no warehouse prices (crsp_daily is not published)")
    today = timezone.localdate()
    key = "marks:" + hashlib.sha256(repr((version, today, sorted(anchored.items()))).encode()).hexdigest()[:32]
    cached = cache.get(key)
    if isinstance(cached, Marks):
        return cached
    try:
        permnos = _permnos(list(anchored), today)
        if not permnos:
            return Marks({}, "no warehouse prices: none of the held symbols is known to the warehouse")
        start = min(day for day, _ in anchored.values())
        rows = readers.crsp_daily(start, today, permnos=list(permnos.values()), columns=["permno", "date", "ret"])
    except (OSError, ValueError, LookupError, storage.WarehouseError) as exc:  # the page stays up
        logger.warning("latest marks unavailable: %s", exc)
        return Marks({}, f"no warehouse prices ({exc})")
    series = {
        p: (d, r)
        for p, d, r in rows.sort("permno", "date")
        .group_by("permno", maintain_order=True)
        .agg("date", "ret")
        .iter_rows()
    }
    prices: dict[str, tuple[dt.date, float, float | None]] = {}
    for symbol, permno in permnos.items():
        day, price = anchored[symbol]
        dates, rets = series.get(permno, ([], []))
        after = [(d, 0.0 if r is None else r) for d, r in zip(dates, rets, strict=True) if d > day]
        if not after:
            prices[symbol] = (day, price, None)  # no session since the fill: no day change yet
            continue
        growth = np.cumprod([1.0 + r for _, r in after])
        prev = price * growth[-2] if len(after) > 1 else price
        prices[symbol] = (after[-1][0], float(price * growth[-1]), float(prev))
    marks = Marks(prices, "" if prices else "no warehouse prices for the held symbols")
    cache.set(key, marks, CACHE_SECONDS)
    return marks


@dataclass(frozen=True)
class PositionRow:
    strategy: str
    symbol: str
    quantity: float
    avg_cost: float
    price: float | None  # latest close (``latest_marks``); None = valued at cost
    market_value: float
    weight: float | None  # market value / the book's equity at the last close
    unrealized: float
    realized: float
    day_pnl: float | None  # quantity * (close - previous close)


def position_rows(
    positions: list[Held], marks: Marks, equity: dict[int, float], names: dict[int, str]
) -> list[PositionRow]:
    rows = []
    for p in positions:
        qty, cost = p.quantity, p.avg_cost
        mark = marks.prices.get(p.symbol)
        price = mark[1] if mark else None
        value = qty * (price if price is not None else cost)
        base = equity.get(p.strategy_id)
        rows.append(PositionRow(
            strategy=names.get(p.strategy_id, str(p.strategy_id)), symbol=p.symbol, quantity=qty, avg_cost=cost,
            price=price, market_value=value, weight=value / base if base else None,
            unrealized=qty * ((price if price is not None else cost) - cost), realized=p.realized_pnl,
            day_pnl=qty * (mark[1] - mark[2]) if mark and mark[2] is not None else None,
        ))  # fmt: skip
    return sorted(rows, key=lambda r: -abs(r.market_value))


@dataclass(frozen=True)
class Exposures:
    """Style exposures of the held book under the pages' risk model (``risk.selectors.dashboard_model``)."""

    model: str  # "" = no risk model
    rows: list[dict[str, Any]] = field(default_factory=list)  # factor, exposure
    covered: int = 0  # positions the model knows
    note: str = ""


def risk_exposures(rows: list[PositionRow]) -> Exposures:
    """``Σ w_i x_ik`` per style factor over the positions the latest risk model covers."""
    from risk.selectors import dashboard_model

    try:
        chosen = dashboard_model()
    except (OSError, ValueError, LookupError) as exc:
        return Exposures("", note=f"risk model unreadable: {exc}")
    if chosen.run is None:
        return Exposures("")
    from risk.services.loaded import load_model

    loaded = load_model(chosen.run.version)
    as_of = chosen.run.as_of
    weights: dict[int, float] = {}
    for symbol, permno in _permnos([r.symbol for r in rows], as_of).items():
        weights[permno] = sum(r.weight or 0.0 for r in rows if r.symbol == symbol)
    held = pl.DataFrame({"permno": list(weights), "w": list(weights.values())},
                        schema={"permno": pl.Int64, "w": pl.Float64})  # fmt: skip
    frame = loaded.exposures.join(held, on="permno", how="inner")
    exposures = [{"factor": s, "exposure": float((frame["w"] * frame[s].fill_null(0.0)).sum())} for s in loaded.styles]
    label = f"{chosen.run.version} (as of {as_of})"
    return Exposures(label, exposures, covered=frame.height, note=chosen.note)


@dataclass(frozen=True)
class Dashboard:
    """Everything the performance page shows for one book or the pooled total."""

    summary: PerformanceSummary | None
    last: dict[str, Any] | None  # the newest date, equity and capital (summed over the books)
    last_day_pnl: float | None  # equity change net of capital flows on the newest snapshot date
    charts: dict[str, Any]
    heatmap: list[dict[str, Any]]
    n_days: int


def dashboard(snapshots: pl.DataFrame) -> Dashboard:
    """Metrics, equity/drawdown curves and monthly returns of a book (or books pooled)."""
    if snapshots.is_empty():
        return Dashboard(None, None, None, {}, [], 0)
    returns = book_returns(snapshots)
    present = returns.drop_nulls("return").filter(pl.col("return").is_not_nan())
    summary = performance_summary(returns) if present.height >= 2 else None
    daily = snapshots.group_by("date").agg(pl.col("equity").sum(), pl.col("contributed").sum()).sort("date")
    equity = daily["equity"].to_numpy()
    keep = thin(daily.height)
    dd_dates = present["date"]
    dd = drawdown_series(present["return"].to_numpy()) if present.height else np.array([])
    dd_keep = thin(dd.size)
    last = daily.row(-1, named=True)
    flows = np.diff(daily["contributed"].to_numpy())
    last_day = float(np.diff(equity)[-1] - flows[-1]) if daily.height > 1 else None
    charts = {
        "dates": [d.isoformat() for d in daily["date"].gather(keep).to_list()],
        "equity": rounded(equity[keep], 2),
        "dd_dates": [d.isoformat() for d in dd_dates.gather(dd_keep).to_list()],
        "drawdown": rounded(dd[dd_keep]),
    }
    heat = monthly_heatmap(present.rename({"return": "net_return"})) if present.height else []
    return Dashboard(summary, last, last_day, charts, heat, daily.height)


def strategies_by_id(strategies: QuerySet[Strategy]) -> dict[int, Strategy]:
    return {s.pk: s for s in strategies}


def equity_by_strategy(snapshots: pl.DataFrame) -> dict[int, float]:
    """Each book's equity at its newest snapshot."""
    if snapshots.is_empty():
        return {}
    last = snapshots.sort("date").group_by("strategy_id").agg(pl.col("equity").last())
    return dict(last.iter_rows())


def snapshot_since(snapshots: pl.DataFrame) -> dt.date:
    return snapshots["date"].max() if not snapshots.is_empty() else timezone.localdate()  # type: ignore[return-value]


@dataclass(frozen=True)
class BookState:
    """What the pages need from the snapshots: the dashboard, each book's last equity, the last date."""

    board: Dashboard
    equity: dict[int, float]
    since: dt.date
    key: str = ""  # the snapshot fingerprint (template fragments are cached under it too)


def book_state(strategy_ids: Iterable[int]) -> BookState:
    """:class:`BookState` of the strategies, cached under a fingerprint of their snapshots (row
    count, newest date, newest write, total equity: one aggregate query), so a page view after the
    first reads no snapshot rows; any new or rewritten snapshot changes the fingerprint."""
    ids = sorted(strategy_ids)
    mark = PnLSnapshot.objects.filter(strategy_id__in=ids).aggregate(
        n=Count("id"), last=Max("date"), written=Max("created_at"), total=Sum("equity")
    )
    key = "perf:" + hashlib.sha256(repr((ids, *mark.values())).encode()).hexdigest()[:32]
    state = cache.get(key)
    if isinstance(state, BookState):
        return state
    snapshots = snapshot_frame(ids)
    state = BookState(dashboard(snapshots), equity_by_strategy(snapshots), snapshot_since(snapshots), key)
    cache.set(key, state, CACHE_SECONDS)
    return state


def today_pnl(rows: list[PositionRow], equity: float | None) -> dict[str, Any]:
    """The live day P&L of the held book from the latest two closes (dollars and % of equity)."""
    marked = [r.day_pnl for r in rows if r.day_pnl is not None]
    pnl = float(sum(marked)) if marked else None
    # priced, but filled at the newest close: no later session has moved the price yet
    at_fill = sum(1 for r in rows if r.day_pnl is None and r.price is not None)
    return {
        "pnl": pnl, "pct": pnl / equity if pnl is not None and equity else None,
        "marked": len(marked), "held": len(rows), "at_fill": at_fill,
    }  # fmt: skip
