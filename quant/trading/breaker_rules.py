"""Automatic trips of the circuit breaker, evaluated on every fill and by the beat job
(``quant: evaluate circuit breaker``), with the limits of the trading configuration:

* ``daily_loss``: a strategy's latest daily return (``PnLSnapshot.daily_return``, net of capital
  flows) lost more than ``max_daily_loss_pct`` % of the previous equity;
* ``drawdown``: the strategy's compounded daily returns are more than ``max_drawdown_pct`` % below
  their running peak (the start counts as a peak of 1);
* ``reject_storm``: at least ``reject_storm_count`` orders were rejected platform-wide in the last
  ``reject_storm_minutes`` minutes;
* ``stale_data``: during trading hours of a trading day, the market data's last date is more than
  ``stale_data_days`` calendar days old (the source is registered by a higher floor with
  :func:`market_data_register`, which knows where prices come from).

A limit of 0 turns its rule off. The first rule that fires trips the breaker; an already tripped
breaker is left as it is.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from quant.models import Strategy
from quant.trading.breaker import BreakerStatus, breaker_status, breaker_trip
from quant.trading.config import TradingSettings, trading_settings
from quant.trading.models import Order, PnLSnapshot

logger = logging.getLogger("quantdesk.trading")
DataAge = Callable[[], dt.date | None]
_MARKET_DATA: list[DataAge] = []


@dataclass(frozen=True)
class Trip:
    rule: str
    reason: str


def market_data_register(last_date: DataAge) -> None:
    """Tell the stale-data rule how to find the last date of market data (idempotent)."""
    if last_date not in _MARKET_DATA:
        _MARKET_DATA.append(last_date)


# --- pure measures ---------------------------------------------------------------------------------
def daily_loss_pct(returns: Sequence[float]) -> float:
    """The loss of the last day in percent of the previous equity (0 when it gained or is empty)."""
    return max(0.0, -returns[-1] * 100) if returns else 0.0


def drawdown_pct(returns: Sequence[float]) -> float:
    """How far below its running peak (start = 1) the compounded wealth ends, in percent."""
    wealth, peak = 1.0, 1.0
    for r in returns:
        wealth *= 1 + r
        peak = max(peak, wealth)
    return (1 - wealth / peak) * 100


# --- rules ---------------------------------------------------------------------------------------
def _pnl_trips(config: TradingSettings, strategy_ids: Iterable[int] | None) -> list[Trip]:
    if not (config.max_daily_loss_pct or config.max_drawdown_pct):
        return []
    rows = PnLSnapshot.objects.filter(daily_return__isnull=False, strategy__status=Strategy.Status.ACTIVE)
    if strategy_ids is not None:
        rows = rows.filter(strategy_id__in=list(strategy_ids))
    series: dict[tuple[int, str], list[float]] = {}
    for sid, name, r in rows.order_by("strategy_id", "date").values_list(
        "strategy_id", "strategy__name", "daily_return"
    ):
        series.setdefault((sid, name), []).append(r)
    trips = []
    for (_, name), returns in series.items():
        loss, dd = daily_loss_pct(returns), drawdown_pct(returns)
        if config.max_daily_loss_pct and loss > config.max_daily_loss_pct:
            trips.append(Trip("daily_loss", f"{name} lost {loss:.2f}% in a day (limit {config.max_daily_loss_pct:g}%)"))
        if config.max_drawdown_pct and dd > config.max_drawdown_pct:
            trips.append(Trip("drawdown", f"{name} is {dd:.2f}% below its peak (limit {config.max_drawdown_pct:g}%)"))
    return trips


def _reject_storm(config: TradingSettings, now: dt.datetime) -> list[Trip]:
    since = now - dt.timedelta(minutes=config.reject_storm_minutes)
    n = Order.objects.filter(status=Order.Status.REJECTED, updated_at__gte=since).count()
    if n >= config.reject_storm_count:
        return [Trip("reject_storm", f"{n} orders rejected in {config.reject_storm_minutes} min "
                                     f"(limit {config.reject_storm_count})")]  # fmt: skip
    return []


def _stale_data(config: TradingSettings, now: dt.datetime) -> list[Trip]:
    if not config.stale_data_days or not _MARKET_DATA or not config.market_open_at(now):
        return []
    dates = [d for d in (source() for source in _MARKET_DATA) if d is not None]
    last = max(dates) if dates else None
    today = timezone.localdate(now)
    if last is None or (today - last).days > config.stale_data_days:
        age = "no market data" if last is None else f"market data last dated {last} ({(today - last).days} days old)"
        return [Trip("stale_data", f"{age}; limit {config.stale_data_days} days")]
    return []


def rules_check(*, strategy_ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> list[Trip]:
    """Every rule that fires now (all active strategies, or ``strategy_ids``)."""
    config, now = trading_settings(), now or timezone.now()
    return [*_pnl_trips(config, strategy_ids), *_reject_storm(config, now), *_stale_data(config, now)]


def breaker_evaluate(*, strategy_ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> BreakerStatus:
    """Trip the breaker on the first rule that fires (no-op when already tripped); returns the state."""
    status = breaker_status()
    if status.tripped:
        return status
    trips = rules_check(strategy_ids=strategy_ids, now=now)
    if not trips:
        return status
    trip = trips[0]
    return breaker_trip(reason=trip.reason, by=f"rule:{trip.rule}", rule=trip.rule)


def breaker_on_fill(fill: object) -> None:
    """The fill hook (``services.fill_hook_register``): evaluate the fill's strategy at once."""
    strategy_id = getattr(fill, "strategy_id", None)
    try:
        breaker_evaluate(strategy_ids=[strategy_id] if strategy_id else None)
    except Exception:  # a failing evaluation must not undo a fill the broker already made
        logger.exception("circuit breaker evaluation after fill %s failed", getattr(fill, "pk", None))
