"""Brokers by name: ``broker_for("alpaca")`` returns a ready :class:`~quant.trading.broker.Broker`.

A small registry so each implementation registers itself with one line and no caller imports a
concrete broker: ``register_broker("paper", factory)`` where ``factory(**kwargs)`` returns a
broker (the paper broker takes its price source as a keyword, handed down by a higher floor).
Factories import their implementation lazily, so ``alpaca-py`` is loaded only when Alpaca is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from quant.trading.broker import Broker, BrokerError

BrokerFactory = Callable[..., Broker]

_FACTORIES: dict[str, BrokerFactory] = {}


def register_broker(name: str, factory: BrokerFactory) -> None:
    """Make ``broker_for(name, **kwargs)`` call ``factory(**kwargs)``; a name is registered once."""
    known = _FACTORIES.get(name)
    if known is not None and known is not factory:
        raise ValueError(f"a broker named {name!r} is already registered")
    _FACTORIES[name] = factory


def broker_names() -> list[str]:
    return sorted(_FACTORIES)


def broker_for(name: str, **kwargs: Any) -> Broker:
    """The broker registered as ``name``, built with ``kwargs`` (unknown name: BrokerError)."""
    factory = _FACTORIES.get(name)
    if factory is None:
        raise BrokerError(f"unknown broker {name!r} (known: {', '.join(broker_names()) or 'none'})")
    return factory(**kwargs)


def alpaca_broker(
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


register_broker("alpaca", alpaca_broker)
