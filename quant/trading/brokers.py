"""Which broker a strategy talks to: a registry of factories, and the paper broker's saved book.

``broker_for(strategy, "alpaca")`` returns a ready :class:`~quant.trading.broker.Broker`; each
implementation registers one factory ``factory(strategy, **kwargs)`` (``strategy`` may be None for
a connection check). Alpaca's factory imports ``alpaca-py`` lazily and reads ``ALPACA_*`` settings.

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

BrokerFactory = Callable[..., Broker]
"""``factory(strategy, **kwargs) -> Broker``."""
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


def broker_names() -> list[str]:
    return sorted(_FACTORIES)


def broker_for(strategy: Strategy | None, name: str | None = None, **kwargs: Any) -> Broker:
    """Build the strategy's broker (``name`` or :func:`broker_name`); ``kwargs`` go to the factory."""
    if name is None:
        if strategy is None:
            raise TradingError("name a broker or a strategy")
        name = broker_name(strategy)
    factory = _FACTORIES.get(name)
    if factory is None:
        raise TradingError(f"no broker {name!r} is registered (known: {', '.join(broker_names()) or 'none'})")
    return factory(strategy, **kwargs)


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


def _saved_paper(strategy: Strategy | None, **config: Any) -> Broker:
    if strategy is None:
        raise TradingError("the paper broker keeps one book per strategy: name the strategy")
    return paper_broker_load(strategy, NoPrices(), **config)


def alpaca_broker(
    strategy: Strategy | None = None,
    *,
    api_key: str | None = None,
    secret_key: str | None = None,
    paper: bool | None = None,
    url_override: str | None = None,
    timeout: float | None = None,
) -> Broker:
    """The Alpaca broker; each argument left out comes from settings (``ALPACA_*`` environment)."""
    from django.conf import settings

    from quant.trading.alpaca import AlpacaBroker

    return AlpacaBroker(
        api_key if api_key is not None else settings.ALPACA_API_KEY_ID,
        secret_key if secret_key is not None else settings.ALPACA_API_SECRET_KEY,
        paper=paper if paper is not None else settings.ALPACA_PAPER,
        url_override=url_override if url_override is not None else (settings.ALPACA_BASE_URL or None),
        timeout=timeout if timeout is not None else settings.ALPACA_TIMEOUT_SECONDS,
    )


broker_register("paper", _saved_paper)
broker_register("alpaca", alpaca_broker)
