"""Reads of the operations pages: tradable strategies, a strategy's book, breaker and config history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from quant.models import Strategy
from quant.selectors import strategies_for
from quant.trading.models import Order, Position
from quant.trading.ops_models import ControlAction, TradingConfig


def strategies_tradable(user: Any) -> QuerySet[Strategy]:
    """Strategies ``user`` may see and trade (the per-object ``trade_strategy`` grant)."""
    if not user.is_authenticated:
        return Strategy.objects.none()
    granted = get_objects_for_user(user, "quant.trade_strategy", klass=Strategy, accept_global_perms=False)
    return strategies_for(user).filter(pk__in=granted.values("pk"))


def positions_held(strategy: Strategy) -> QuerySet[Position]:
    return Position.objects.filter(strategy=strategy).exclude(quantity=0).order_by("symbol")


def orders_recent(strategy: Strategy, limit: int = 30) -> QuerySet[Order]:
    """Open orders first, then the latest finished ones."""
    return Order.objects.filter(strategy=strategy).order_by("-created_at", "-id")[:limit]


def control_actions(strategy: Strategy | None = None, limit: int = 10) -> QuerySet[ControlAction]:
    rows = ControlAction.objects.select_related("user", "strategy")
    return (rows.filter(strategy=strategy) if strategy is not None else rows)[:limit]


def config_versions(limit: int = 20) -> QuerySet[TradingConfig]:
    return TradingConfig.objects.select_related("created_by").order_by("-version")[:limit]
