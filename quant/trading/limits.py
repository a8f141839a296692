"""Order size limits from the trading configuration, checked by the order gate on every order.

``max_order_shares`` applies to every order; ``max_order_value`` (dollars) to orders whose price is
known before they trade: the limit price, else the strategy's last fill price in the symbol.
Risk-reducing controls (flatten, close: ``breaker.closing_orders``) are not limited — a position
larger than the limit must still be closable.
"""

from __future__ import annotations

from decimal import Decimal

from quant.models import Strategy
from quant.trading.breaker import is_closing
from quant.trading.broker import OrderRequest
from quant.trading.config import trading_settings
from quant.trading.errors import TradingError
from quant.trading.models import Fill


def reference_price(strategy: Strategy, request: OrderRequest) -> Decimal | None:
    """The limit price, else the strategy's last fill price in the symbol (dollars per share)."""
    if request.limit_price is not None:
        return Decimal(str(request.limit_price))
    fills = Fill.objects.filter(strategy=strategy, symbol=request.symbol)  # index fill_strategy_symbol_time
    return fills.order_by("-filled_at", "-id").values_list("price", flat=True).first()


def limits_gate(strategy: Strategy, request: OrderRequest) -> None:
    """Refuse an order above the configured size limits (see the module docstring)."""
    if is_closing():
        return
    config = trading_settings()
    quantity = Decimal(str(request.quantity))
    if quantity > config.max_order_shares:
        raise TradingError(
            f"order {request.client_order_id}: {quantity.normalize():f} shares of {request.symbol} is above the "
            f"limit of {config.max_order_shares.normalize():f} shares per order (trading config v{config.version})"
        )
    price = reference_price(strategy, request)
    if price is not None and quantity * price > config.max_order_value:
        raise TradingError(
            f"order {request.client_order_id}: about ${quantity * price:,.0f} of {request.symbol} is above the "
            f"limit of ${config.max_order_value:,.0f} per order (trading config v{config.version})"
        )
