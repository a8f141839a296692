"""The circuit breaker: while tripped, no new order leaves the platform.

State: ``armed`` or ``tripped`` with the reason, who or which rule, and when. With Redis
(``REDIS_URL``) the state is mirrored in the cache under :data:`CACHE_KEY`, which every order gate
reads; the :class:`CircuitBreaker` row is the database copy (and the whole state in embedded mode,
where the local-memory cache is not shared between processes). Every transition is one
:class:`BreakerEvent` row and one signal (``quant.events.breaker_tripped`` / ``breaker_reset``).

Enforcement is :func:`breaker_gate`, registered with ``quant.trading.services.order_gate_register``:
``order_submit`` runs it right before any broker call, whichever path made the order (strategy
runner, manual order, API). Risk-reducing manual controls (flatten, close) run inside
:func:`closing_orders`, the only exemption; cancels never submit an order.

A reset needs a reason (the view adds an operator and a fresh TOTP code) and at most one reset is
accepted per :data:`RESET_INTERVAL` platform-wide, checked under the row lock.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from quant import events
from quant.models import Strategy
from quant.trading.broker import OrderRequest
from quant.trading.errors import TradingError
from quant.trading.ops_models import BreakerEvent, CircuitBreaker

logger = logging.getLogger("quantdesk.trading")
CACHE_KEY = "quant:breaker:state"
RESET_INTERVAL = dt.timedelta(minutes=1)
_closing: contextvars.ContextVar[bool] = contextvars.ContextVar("breaker_closing", default=False)


class BreakerResetRefused(TradingError):
    """A reset that is not allowed now (too soon after the last one, or nothing to reset)."""


@dataclass(frozen=True)
class BreakerStatus:
    tripped: bool
    reason: str = ""
    by: str = ""
    rule: str = ""
    at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return "tripped" if self.tripped else "armed"


def _status_of(row: CircuitBreaker) -> BreakerStatus:
    return BreakerStatus(row.tripped, row.reason, row.by, row.rule, row.changed_at)


def _uses_redis() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def publish(status: BreakerStatus) -> None:
    """Mirror ``status`` into Redis (nothing to do in embedded mode)."""
    if _uses_redis():
        data = asdict(status)
        data["at"] = status.at.isoformat() if status.at else None
        cache.set(CACHE_KEY, data, timeout=None)


def breaker_status() -> BreakerStatus:
    """The current state: Redis when configured (re-filled from the database after a flush), else
    the database row."""
    if _uses_redis():
        data = cache.get(CACHE_KEY)
        if isinstance(data, dict):
            at = dt.datetime.fromisoformat(data["at"]) if data.get("at") else None
            return BreakerStatus(bool(data["tripped"]), data["reason"], data["by"], data["rule"], at)
    row = CircuitBreaker.objects.filter(pk=1).first()
    status = _status_of(row) if row is not None else BreakerStatus(False)
    publish(status)
    return status


def _locked() -> CircuitBreaker:
    CircuitBreaker.objects.get_or_create(pk=1)
    return CircuitBreaker.objects.select_for_update().get(pk=1)


def breaker_trip(*, reason: str, by: str, rule: str = "manual", user: Any = None) -> BreakerStatus:
    """Trip the breaker (a no-op returning the current state when it is already tripped)."""
    reason = reason.strip()
    if not reason:
        raise TradingError("write why the breaker is tripped")
    now = timezone.now()
    with transaction.atomic():
        row = _locked()
        if row.tripped:
            publish(_status_of(row))  # heal a Redis copy that missed a transition (rolled back elsewhere)
            return _status_of(row)
        row.tripped, row.reason, row.by, row.rule, row.changed_at = True, reason, by, rule, now
        row.save()
        BreakerEvent.objects.create(kind=BreakerEvent.Kind.TRIP, rule=rule, reason=reason, by=by, user=user, at=now)
    status = _status_of(row)
    publish(status)  # at once (not on commit): a trip is never delayed by the caller's transaction
    logger.warning("circuit breaker tripped by %s (%s): %s", by, rule, reason)
    events.breaker_tripped.send(sender=BreakerEvent, reason=reason, by=by, at=now, rule=rule)
    return status


def breaker_reset(*, reason: str, user: Any) -> BreakerStatus:
    """Arm the breaker again; refused within :data:`RESET_INTERVAL` of the previous reset."""
    reason = reason.strip()
    if not reason:
        raise TradingError("write why the breaker is reset")
    now = timezone.now()
    with transaction.atomic():
        row = _locked()
        if row.last_reset_at is not None and now - row.last_reset_at < RESET_INTERVAL:
            wait = int((RESET_INTERVAL - (now - row.last_reset_at)).total_seconds()) + 1
            raise BreakerResetRefused(
                f"The breaker was reset less than a minute ago (at most one reset per minute): try again in {wait} s."
            )
        if not row.tripped:
            # A trip inside a transaction that rolled back (a strategy day) may have left the Redis
            # copy tripped: the database row is the record, so the copy is repaired here.
            publish(_status_of(row))
            raise BreakerResetRefused("The breaker is already armed: there is nothing to reset.")
        by = user.get_username() if user is not None else "system"
        row.tripped, row.reason, row.by, row.rule, row.changed_at, row.last_reset_at = False, reason, by, "", now, now
        row.save()
        BreakerEvent.objects.create(kind=BreakerEvent.Kind.RESET, reason=reason, by=by, user=user, at=now)
    status = _status_of(row)
    publish(status)
    logger.warning("circuit breaker reset by %s: %s", by, reason)
    events.breaker_reset.send(sender=BreakerEvent, reason=reason, by=by, at=now)
    return status


def breaker_history(limit: int = 50) -> list[BreakerEvent]:
    return list(BreakerEvent.objects.select_related("user")[:limit])


@contextlib.contextmanager
def closing_orders() -> Iterator[None]:
    """Orders submitted inside only reduce risk (flatten, close): the breaker lets them through."""
    token = _closing.set(True)
    try:
        yield
    finally:
        _closing.reset(token)


def is_closing() -> bool:
    return _closing.get()


def breaker_gate(strategy: Strategy, request: OrderRequest) -> None:
    """The order gate: refuse every new order while tripped, except inside :func:`closing_orders`."""
    if is_closing():
        return
    status = breaker_status()
    if status.tripped:
        raise TradingError(
            f"circuit breaker is tripped ({status.reason}, by {status.by}): order {request.client_order_id} not sent"
        )
