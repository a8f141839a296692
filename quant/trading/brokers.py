"""Which broker a strategy talks to: a registry of factories, and the paper broker's saved book.

The shared core cannot build a paper broker with real prices (they live on a higher floor), so a
higher floor registers its factory (``broker_register("paper", factory, replace=True)`` with a
warehouse-backed :class:`PriceSource`). The core's own "paper" factory restores the saved book
with a price source that knows no prices: enough for reconciliation (positions, cash), not for
trading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from quant.models import Strategy
from quant.trading.broker import Bar, Broker, PriceSource
from quant.trading.errors import TradingError
from quant.trading.models import BrokerState, Order
from quant.trading.paper import PaperBroker

BrokerFactory = Callable[[Strategy], Broker]
_FACTORIES: dict[str, BrokerFactory] = {}


class NoPrices:
    """A price source that knows nothing (valuation-free uses of a saved paper book)."""

    def bar(self, symbol: str, date: dt.date) -> Bar | None:
        return None

    def known(self, symbol: str) -> bool:
        return False


def broker_register(name: str, factory: BrokerFactory, *, replace: bool = False) -> None:
    """Register how to build broker ``name`` for a strategy (``replace`` lets a higher floor override)."""
    if name in _FACTORIES and not replace and _FACTORIES[name] is not factory:
        raise ValueError(f"broker {name!r} is already registered")
    _FACTORIES[name] = factory


def broker_name(strategy: Strategy) -> str:
    """The broker of the strategy's latest order, "paper" when it has none."""
    return Order.objects.filter(strategy=strategy).order_by("-id").values_list("broker", flat=True).first() or "paper"


def broker_for(strategy: Strategy, name: str | None = None) -> Broker:
    """Build the strategy's broker (``name`` or :func:`broker_name`)."""
    name = name or broker_name(strategy)
    factory = _FACTORIES.get(name)
    if factory is None:
        raise TradingError(f"no broker {name!r} is registered (known: {', '.join(sorted(_FACTORIES)) or 'none'})")
    return factory(strategy)


def paper_broker_load(strategy: Strategy, prices: PriceSource, **config: Any) -> PaperBroker:
    """A paper broker with ``config`` (slippage_bps, commission_per_share, ...) and the strategy's
    saved book (empty when none was saved)."""
    broker = PaperBroker(prices, **config)
    saved = BrokerState.objects.filter(strategy=strategy, broker=PaperBroker.name).values_list("state", flat=True)
    state = saved.first()
    return broker.load(state) if state else broker


def paper_broker_save(strategy: Strategy, broker: PaperBroker) -> None:
    """Save the paper broker's book for the next run (and for reconciliation)."""
    BrokerState.objects.update_or_create(strategy=strategy, broker=broker.name, defaults={"state": broker.dump()})


def _saved_paper(strategy: Strategy) -> Broker:
    return paper_broker_load(strategy, NoPrices())


broker_register("paper", _saved_paper)
