"""Execution quality of a strategy: Perold shortfall over time, by symbol, by order size, the worst
orders, a drill-down to an order's fills on an intraday chart, and trade-timing advice from TAQ.

Prices are the paper broker's own (``backtests.services.strategies.warehouse_prices``), so the
shortfall is in the fills' units. Strategies the user may not see are 404.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from backtests.data import DataUnavailable, data_range
from backtests.services import execution_pages as pages
from backtests.services.execution import execution_summary, strategy_order_quality
from backtests.services.strategies import warehouse_prices
from quant.audit import log_access
from quant.models import Order, Strategy
from quant.selectors import strategies_for
from quant.web.htmx import render_htmx

TEMPLATE = "backtests/execution.html"
CACHE_SECONDS = 3600


def _strategy(request: HttpRequest, strategy_id: int) -> Strategy:
    return get_object_or_404(strategies_for(request.user), pk=strategy_id)


def _summary(strategy: Strategy) -> dict[str, Any]:
    """The page's numbers, cached until the strategy gets a new order or fill."""
    orders = Order.objects.filter(strategy=strategy)
    stamp = orders.aggregate(n=Max("id"), t=Max("updated_at"))
    changed = stamp["t"].timestamp() if stamp["t"] else 0
    key = f"execq:{strategy.pk}:{stamp['n']}:{changed}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    quality, skipped = strategy_order_quality(orders.prefetch_related("fills").order_by("trade_date", "id"),
                                              warehouse_prices(data_range("warehouse").last))  # fmt: skip
    context = pages.summary_context(execution_summary(quality, skipped=skipped)) if quality else {"skipped": skipped}
    cache.set(key, context, CACHE_SECONDS)
    return context


@require_GET
@log_access("backtests.execution")
def execution(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = _strategy(request, strategy_id)
    context: dict[str, Any] = {"strategy": strategy, "command": pages.replay_command(strategy)}
    if Order.objects.filter(strategy=strategy).exists():
        try:
            context |= _summary(strategy)
        except DataUnavailable as exc:
            context["error"] = str(exc)
    context["timing"] = pages.timing_context(request.GET.get("symbol"), request.GET.get("size"))
    return render_htmx(request, TEMPLATE, "execution", context)


@require_GET
@log_access("backtests.execution_order")
def execution_order(request: HttpRequest, strategy_id: int, order_id: int) -> HttpResponse:
    """One order's fills against its benchmarks (a fragment under the table; a page on its own)."""
    strategy = _strategy(request, strategy_id)
    order = get_object_or_404(Order.objects.prefetch_related("fills"), strategy=strategy, pk=order_id)
    context = {"strategy": strategy, "order_ctx": pages.order_context(order)}
    return render_htmx(request, "backtests/execution_order.html", "order", context)
