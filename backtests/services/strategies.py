"""Strategies that run: a configured strategy trades each session through a broker.

One session (:func:`strategy_rebalance`), at the close of ``as_of``:

1. the broker moves to ``as_of``; names held that have no price that day left the data (delisted)
   and are sold at their last price without cost (the engine: "liquidated at its last return");
2. the book (``quant.trading.selectors.book_value``) gives the pre-trade equity ``V`` and weights;
3. :func:`backtests.analytics.engine.decide` — the backtest's own step — says what to trade, on
   panels cut at ``as_of`` (time travel: nothing dated later is read);
4. each trade ``dw`` (fraction of ``V``) becomes a market-on-close order of ``dw V / close`` shares
   (8 decimals, fractional), submitted through ``quant.trading.services.order_submit`` (the gate:
   halted strategies send nothing) with client order id ``s<strategy>-<yyyymmdd>-<permno>``;
5. the paper broker fills them at the close with slippage = the backtest's linear cost; the fills
   are applied and the day's ``PnLSnapshot`` is taken.

Why a replay equals the backtest to ~1e-12 (the parity test): the engine sizes positions on the
post-cost NAV and charges ``cost = k * sum|target (1 - cost) - w|``; the orders above trade exactly
``target (1 - cost) - w`` of ``V`` and pay ``k`` of that value as slippage, so cash + positions
end at ``V (1 - cost)`` with weights equal to the targets; the price index moves each position by
the engine's return. Only the 8-decimal roundings of shares and fill prices differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.db import transaction

from backtests.analytics.costs import CostModel
from backtests.analytics.engine import Panels, decide
from backtests.analytics.engine import Strategy as EngineStrategy
from backtests.configs import BacktestConfig, ConfigError
from backtests.data import BacktestInputs, DataUnavailable, data_range, load_inputs
from backtests.models import StrategyConfig
from backtests.prices import CarryForward, WarehousePrices, price_index
from backtests.services.execute import build_backtest
from quant.calendars import sessions
from quant.models import Strategy
from quant.trading.broker import OrderRequest
from quant.trading.brokers import paper_broker_load, paper_broker_save
from quant.trading.config import trading_settings
from quant.trading.errors import TradingError
from quant.trading.ledger import EXACT, round8
from quant.trading.models import CashEntry, Order, PnLSnapshot
from quant.trading.paper import PaperBroker
from quant.trading.selectors import cash_balance, positions_open
from quant.trading.services import HALTED, capital_contribute, order_submit, order_sync, snapshot_take

Loader = Callable[[BacktestConfig], BacktestInputs]
CALENDAR_AHEAD = dt.timedelta(days=100)  # enough sessions after the data to place any period's end


class StrategyNotRunnable(RuntimeError):
    """The strategy cannot run as configured; the message says what to change or run."""


@dataclass(frozen=True)
class Plan:
    """Everything a run over ``start..end`` reads, loaded once: the engine's inputs for the
    strategy's backtest config on that window, the trading calendar and the prices."""

    run_config: StrategyConfig
    backtest: BacktestConfig
    panels: Panels
    engine: EngineStrategy
    costs: CostModel
    calendar: pl.Series
    prices: WarehousePrices

    @property
    def sessions(self) -> list[dt.date]:
        return self.panels.returns["date"].unique().sort().to_list()


@dataclass
class DayResult:
    date: dt.date
    skipped: bool = False
    orders: int = 0
    rejected: int = 0
    halted: bool = False
    cost: float = 0.0
    reason: str = ""
    equity: Decimal | None = None
    notes: list[str] = field(default_factory=list)


def backtest_config_of(run_config: StrategyConfig, start: dt.date, end: dt.date) -> BacktestConfig:
    """The strategy's :class:`BacktestConfig` on ``start..end`` (its production model's signal when
    ``source == "model"``); raises :class:`StrategyNotRunnable`."""
    data = {**run_config.config, "start": start.isoformat(), "end": end.isoformat()}
    if run_config.source == StrategyConfig.Source.MODEL:
        data["signal"] = production_signal(run_config.model_name)
    try:
        config = BacktestConfig.from_json_dict(data)
    except ConfigError as exc:
        raise StrategyNotRunnable(f"strategy config: {exc}") from exc
    if config.impact_k:
        raise StrategyNotRunnable("the paper broker has no market-impact model: set impact_k to 0")
    if config.source != "warehouse":
        raise StrategyNotRunnable("a strategy trades on the warehouse, not the synthetic source")
    return config


def production_signal(name: str) -> str:
    """The signal of registry model ``name``'s production version (a ``factor_definition``),
    checked against the library's current definition."""
    from research.analytics.signals import SIGNALS
    from research.models import ModelVersion
    from research.services.registry import model_load_production

    try:
        loaded = model_load_production(name)
    except Exception as exc:  # no production version, corrupt files: one line for people
        raise StrategyNotRunnable(f"model {name!r}: {exc}") from exc
    version = loaded.version
    if version.kind != ModelVersion.Kind.FACTOR_DEFINITION:
        raise StrategyNotRunnable(
            f"model {name!r} v{version.version} is a {version.kind}; a strategy runs a factor_definition "
            "(signal) model or a backtest config"
        )
    signal = version.config.get("signal", "")
    definition = SIGNALS.get(signal)
    if definition is None or definition.definition_hash() != version.config.get("definition_hash"):
        raise StrategyNotRunnable(
            f"model {name!r} v{version.version}: signal {signal!r} changed since it was registered"
        )
    return signal


def plan_load(run_config: StrategyConfig, start: dt.date, end: dt.date, *, loader: Loader = load_inputs) -> Plan:
    """Load the data for a run over ``start..end`` (``start`` is pushed back one session when it
    equals ``end``: a config needs two dates)."""
    first = start if start < end else start - dt.timedelta(days=7)
    config = backtest_config_of(run_config, first, end)
    inputs = loader(config)
    data_dates = inputs.returns["date"].unique().sort()
    ahead = sessions(end + dt.timedelta(days=1), end + CALENDAR_AHEAD)
    calendar = pl.concat([data_dates.filter(data_dates <= end), ahead]).unique().sort()
    # the schedule needs the sessions after `end` too: a period's last session is known in advance
    panels, engine, costs = build_backtest(config, inputs, calendar=calendar)
    prices = warehouse_prices(end, volume_from=first)
    return Plan(run_config, config, panels, engine, costs, calendar, prices)


def warehouse_prices(end: dt.date, *, volume_from: dt.date | None = None) -> WarehousePrices:
    """The price index of every permno from the warehouse's first date to ``end`` (anchored there,
    so a book saved by one run is valued at the same index level by the next); share volume from
    ``volume_from`` on (default ~3 weeks before ``end``: the cap applies to the days traded)."""
    from warehouse import readers

    first = data_range("warehouse").first
    returns = readers.total_returns(first, end).select("date", "permno", pl.col("total_ret").alias("ret")).collect()
    since = volume_from or end - dt.timedelta(days=21)
    volume = readers.crsp_daily(since, end, columns=["date", "permno", "vol"])
    return WarehousePrices(price_index(returns, volume))


def paper_broker(run_config: StrategyConfig, plan: Plan) -> PaperBroker:
    """The strategy's paper broker (its saved book) with slippage = the backtest's linear cost."""
    bps = Decimal(str(plan.backtest.commission_bps)) + Decimal(str(plan.backtest.half_spread_bps))
    return paper_broker_load(
        run_config.strategy, plan.prices, slippage_bps=bps, commission_per_share=run_config.commission_per_share,
        fill_model="close",
    )  # fmt: skip


def paper_broker_for_strategy(strategy: Strategy) -> PaperBroker:
    """The "paper" broker factory (``quant.trading.brokers``): the strategy's saved book with prices
    from its last session back ~3 weeks (manual orders, reconciliation); costs from its run
    configuration, else the default costs of the trading configuration (as slippage)."""
    from quant.trading.brokers import NoPrices

    run_config = StrategyConfig.objects.filter(strategy=strategy).first()
    try:
        prices: WarehousePrices | NoPrices = warehouse_prices(data_range("warehouse").last)
    except DataUnavailable:
        prices = NoPrices()  # an empty warehouse: the saved book still reconciles
    if run_config is None:  # no run configuration: the system's default costs (trading configuration)
        defaults = trading_settings()
        return paper_broker_load(strategy, prices, slippage_bps=defaults.commission_bps + defaults.slippage_bps)
    config = run_config.config
    bps = Decimal(str(config.get("commission_bps", 0))) + Decimal(str(config.get("half_spread_bps", 0)))
    return paper_broker_load(strategy, prices, slippage_bps=bps, fill_model="close",
                             commission_per_share=run_config.commission_per_share)  # fmt: skip


def warehouse_last_date() -> dt.date | None:
    """The last session of market data the strategies trade on (None before the first sync)."""
    try:
        return data_range("warehouse").last
    except DataUnavailable:
        return None


def client_order_id(strategy: Strategy, date: dt.date, symbol: str, suffix: str = "") -> str:
    return f"s{strategy.pk}-{date:%Y%m%d}-{symbol}{suffix}"


def strategy_rebalance(
    *, strategy: Strategy, as_of: dt.date, broker: PaperBroker, plan: Plan, job: object | None = None
) -> DayResult:
    """Trade the close of ``as_of`` (see the module docstring); a day already snapshotted is skipped."""
    if PnLSnapshot.objects.filter(strategy=strategy, date=as_of).exists():
        return DayResult(as_of, skipped=True)
    result = DayResult(as_of)
    with transaction.atomic():  # a day is all or nothing; the caller drops the broker object on error
        broker.process(as_of)
        _fund(strategy, plan, broker, as_of)
        status = Strategy.objects.filter(pk=strategy.pk).values_list("status", flat=True).get()
        result.halted = status in HALTED
        if not result.halted:  # the gate in order_submit refuses them too; this skips the sizing
            _liquidate_delisted(strategy, as_of, broker, plan, result, job)
            _trade(strategy, as_of, broker, plan, result, job)
        paper_broker_save(strategy, broker)
        snapshot = snapshot_take(strategy, as_of, CarryForward(plan.prices))
    result.equity = snapshot.equity
    return result


def _fund(strategy: Strategy, plan: Plan, broker: PaperBroker, as_of: dt.date) -> None:
    """Contribute the configured capital on the first session (ledger and broker alike)."""
    if CashEntry.objects.filter(strategy=strategy, kind=CashEntry.Kind.CONTRIBUTION).exists():
        return
    capital = plan.run_config.capital
    capital_contribute(strategy, capital, trade_date=as_of, note="strategy capital (runner)", broker=broker)


def _submit(
    strategy: Strategy, broker: PaperBroker, plan: Plan, request: OrderRequest, as_of: dt.date,
    result: DayResult, job: object | None,
) -> Order | None:  # fmt: skip
    try:
        order = order_submit(strategy, request, broker=broker, trade_date=as_of, job=job, prices=plan.prices)
    except TradingError as exc:
        result.notes.append(str(exc))
        result.rejected += 1
        return None
    result.orders += 1
    return order


@contextmanager
def _settlement(broker: PaperBroker, plan: Plan) -> Iterator[None]:
    """Delisted names leave at their last price with no slippage (the engine's delisting exit)."""
    prices, slippage = broker.prices, broker.slippage_bps
    broker.prices, broker.slippage_bps = CarryForward(plan.prices), Decimal(0)
    try:
        yield
    finally:
        broker.prices, broker.slippage_bps = prices, slippage


def _liquidate_delisted(
    strategy: Strategy, as_of: dt.date, broker: PaperBroker, plan: Plan, result: DayResult, job: object | None
) -> None:
    gone = [p for p in positions_open(strategy) if plan.prices.bar(p.symbol, as_of) is None]
    if not gone:
        return
    orders = []
    with _settlement(broker, plan):
        for p in gone:
            side = "sell" if p.quantity > 0 else "buy"
            request = OrderRequest(client_order_id(strategy, as_of, p.symbol, "-delisted"), p.symbol, side,
                                   abs(p.quantity), "moc", None, "cls")  # fmt: skip
            if (order := _submit(strategy, broker, plan, request, as_of, result, job)) is not None:
                orders.append(order)
        broker.process(as_of)
    for order in orders:
        order_sync(order, broker, trade_date=as_of)


def _trade(
    strategy: Strategy, as_of: dt.date, broker: PaperBroker, plan: Plan, result: DayResult, job: object | None
) -> None:
    held = [p for p in positions_open(strategy) if p.quantity != 0]
    values = {}
    for p in held:
        bar = plan.prices.bar(p.symbol, as_of)
        assert bar is not None  # delisted names were sold above
        values[p.symbol] = EXACT.multiply(p.quantity, bar.close)
    equity = cash_balance(strategy, as_of) + sum(values.values(), Decimal(0))
    if equity <= 0:
        result.notes.append(f"equity is {equity} dollars: nothing to trade")
        return
    weights = pl.DataFrame(
        {"permno": [int(s) for s in values], "weight": [float(EXACT.divide(v, equity)) for v in values.values()]},
        schema={"permno": pl.Int64, "weight": pl.Float64},
    )
    decision = decide(plan.panels, plan.engine, plan.costs, date=as_of, weights=weights,
                      nav=float(equity) / plan.costs.capital, calendar=plan.calendar)  # fmt: skip
    result.cost, result.reason = decision.cost, decision.reason
    orders = []
    for permno, trade in decision.trades.select("permno", "trade").iter_rows():
        symbol = str(permno)
        bar = plan.prices.bar(symbol, as_of)
        assert bar is not None  # decide() only trades names with a returns row that day
        shares = round8(EXACT.divide(EXACT.multiply(Decimal(trade), equity), bar.close))
        if shares == 0:
            continue
        side = "buy" if shares > 0 else "sell"
        request = OrderRequest(client_order_id(strategy, as_of, symbol), symbol, side, abs(shares), "moc", None, "cls")
        if (order := _submit(strategy, broker, plan, request, as_of, result, job)) is not None:
            orders.append(order)
        elif result.rejected and not result.orders:
            break  # the gate refused the first order (halted, circuit breaker): send no more
    broker.process(as_of)
    for order in orders:
        order_sync(order, broker, trade_date=as_of)


@dataclass
class ReplayResult:
    strategy: Strategy
    days: list[DayResult]

    @property
    def traded(self) -> list[DayResult]:
        return [d for d in self.days if not d.skipped]


def last_run(strategy: Strategy) -> dt.date | None:
    return PnLSnapshot.objects.filter(strategy=strategy).order_by("-date").values_list("date", flat=True).first()


def strategy_replay(
    *,
    strategy: Strategy,
    start: dt.date,
    end: dt.date,
    loader: Loader = load_inputs,
    job: object | None = None,
    progress: Callable[[int, int, dt.date], None] | None = None,
) -> ReplayResult:
    """Run every session of the data in ``start..end`` in order (days already run are skipped, so
    re-running a window changes nothing). A strategy runs forward only: a window that starts after
    a gap following its last run, or a strategy without a config, is refused with the reason."""
    run_config = StrategyConfig.objects.select_related("strategy").filter(strategy=strategy).first()
    if run_config is None:
        raise StrategyNotRunnable(f"strategy {strategy.name!r} has no run configuration (admin: Strategy configs)")
    if run_config.broker != StrategyConfig.Broker.PAPER:
        raise StrategyNotRunnable(f"strategy {strategy.name!r} trades live; a replay is paper only")
    if start > end:
        raise StrategyNotRunnable(f"start {start} is after end {end}")
    last = last_run(strategy)
    if last is not None and last >= min(end, data_range("warehouse").last):  # nothing left: load nothing
        done = PnLSnapshot.objects.filter(strategy=strategy, date__range=(start, end)).order_by("date")
        return ReplayResult(strategy, [DayResult(d, skipped=True) for d in done.values_list("date", flat=True)])
    plan = plan_load(run_config, start, end, loader=loader)
    days = [d for d in plan.sessions if start <= d <= end]
    if not days:
        raise StrategyNotRunnable(f"the warehouse has no sessions between {start} and {end}")
    todo = [d for d in days if last is None or d > last]
    if last is not None and todo and any(last < d < todo[0] for d in plan.calendar.to_list()):
        raise StrategyNotRunnable(f"{strategy.name} last ran on {last}; replay from the next session after it")
    broker = paper_broker(run_config, plan)
    out = [DayResult(d, skipped=True) for d in days if d not in todo]
    for i, day in enumerate(todo):
        out.append(strategy_rebalance(strategy=strategy, as_of=day, broker=broker, plan=plan, job=job))
        if progress is not None:
            progress(i + 1, len(todo), day)
    return ReplayResult(strategy, out)
