"""The Alpaca broker: the platform's :class:`~quant.trading.broker.Broker` on ``alpaca-py``.

Every call goes through ``alpaca.trading.client.TradingClient`` (Trading API v2); nothing here
speaks HTTP by hand except the account-activities read, which the client has no method for and
which goes through the client's own ``get``. Alpaca's objects never leave this module: callers get
the protocol's dataclasses with ``Decimal`` numbers and the platform's six order statuses.

Status mapping (``alpaca_status`` → platform), see :func:`platform_status`:

* ``filled`` → ``filled``; ``canceled`` and ``expired`` → ``cancelled``; ``rejected`` → ``rejected``.
* ``replaced``: the order lives on in the order named by ``replaced_by``; :meth:`AlpacaBroker.order`
  follows that chain and reports the last order's state under the platform's client order id.
* every other status (``new``, ``accepted``, ``pending_new``, ``accepted_for_bidding``,
  ``pending_review``, ``held``, ``stopped``, ``suspended``, ``calculated``, ``done_for_day``,
  ``pending_cancel``, ``pending_replace``, ``partially_filled``) is an open order at Alpaca:
  ``partially_filled`` when some quantity has filled, else ``accepted``. ``new`` on the platform
  means "not yet acknowledged by the broker", which an Alpaca answer never is.
* an order whose filled quantity reaches its quantity is ``filled`` whatever Alpaca's label.

Replacement (``PATCH /v2/orders/{id}``) makes a new Alpaca order. The adapter assumes the new
order carries only the shares still to trade (its own ``filled_qty`` starts at zero, the old
order keeps its fills), so it sends ``qty = new total - filled so far`` and reports
``quantity = replacement qty + fills of the replaced orders``. Check this on a paper account
before trading a replaced, partially filled order live.

Fills come from ``GET /v2/account/activities/FILL`` (one activity per execution, with Alpaca's
execution id); ``filled_quantity`` and ``avg_fill_price`` come from the order objects, which
Alpaca updates first, so an activity that is not yet visible never hides a fill's quantity.

Errors become :class:`BrokerError` (or :class:`OrderRejected` when Alpaca refuses a new order)
with a one-line reason. Credentials live only inside the client's headers: they are never
logged, never in a message and never in ``repr``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

import pydantic
import requests
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, OrderStatus, PositionSide, TimeInForce
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.models import Position as AlpacaPosition
from alpaca.trading.models import TradeAccount
from alpaca.trading.requests import LimitOrderRequest, MarketOrderRequest, ReplaceOrderRequest
from requests.adapters import HTTPAdapter

from quant.trading.broker import (
    BrokerAccount,
    BrokerError,
    BrokerFill,
    BrokerOrder,
    BrokerPosition,
    OrderRejected,
    OrderRequest,
)

DEFAULT_TIMEOUT_SECONDS = 10.0
DUPLICATE_CLIENT_ORDER_ID = "client_order_id must be unique"
INSUFFICIENT_BUYING_POWER_CODE = 40310000
MAX_REPLACEMENTS = 50  # a replace chain longer than this is a loop, not trading
ACTIVITY_PAGE_SIZE = 100  # Alpaca's maximum page without a `date` filter
ZERO = Decimal(0)

TERMINAL_STATUSES = {
    OrderStatus.FILLED.value: "filled",
    OrderStatus.CANCELED.value: "cancelled",
    OrderStatus.EXPIRED.value: "cancelled",
    OrderStatus.REJECTED.value: "rejected",
}
_TIME_IN_FORCE = {"day": TimeInForce.DAY, "gtc": TimeInForce.GTC, "ioc": TimeInForce.IOC, "cls": TimeInForce.CLS}


def platform_status(alpaca_status: str, *, quantity: Decimal, filled: Decimal) -> str:
    """The platform's status (``Order.Status`` value) for an Alpaca status and fill state."""
    if quantity > 0 and filled >= quantity:
        return "filled"
    if alpaca_status in TERMINAL_STATUSES:
        return TERMINAL_STATUSES[alpaca_status]
    if alpaca_status == OrderStatus.REPLACED.value:
        return "cancelled"  # a replaced order whose successor is unknown no longer trades
    return "partially_filled" if filled > 0 else "accepted"


class _TimeoutAdapter(HTTPAdapter):
    """alpaca-py's session sends without a timeout; every request here gets one."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        timeout = self.timeout if timeout is None else timeout
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


class AlpacaBroker:
    """The :class:`~quant.trading.broker.Broker` protocol against Alpaca's Trading API v2."""

    name = "alpaca"

    def __init__(
        self,
        api_key: str,
        secret_key: str,
        *,
        paper: bool = True,
        url_override: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not api_key or not secret_key:
            raise BrokerError("Alpaca credentials are missing: set ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY")
        if timeout <= 0:
            raise BrokerError(f"Alpaca timeout must be > 0 s, got {timeout}")
        base = (url_override or "").rstrip("/").removesuffix("/v2") or None  # the client adds /v2
        self.paper = paper
        self.timeout = timeout
        self._client = TradingClient(api_key, secret_key, paper=paper, url_override=base)
        self.base_url = str(self._client._base_url)
        adapter = _TimeoutAdapter(timeout)
        self._client._session.mount("http://", adapter)
        self._client._session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"AlpacaBroker(base_url={self.base_url!r}, paper={self.paper})"

    # --- protocol -------------------------------------------------------------------------------

    def submit(self, order: OrderRequest) -> BrokerOrder:
        request = _order_request(order)
        action = f"submit order {order.client_order_id}"
        try:
            with self._transport(action):
                placed = self._client.submit_order(request)
        except APIError as exc:
            if _status(exc) == 422 and DUPLICATE_CLIENT_ORDER_ID in _message(exc):
                return self._existing(order)
            raise _translate(exc, action, submitting=True) from exc
        return self._broker_order([_as_order(placed)], order.client_order_id)

    def replace(
        self, client_order_id: str, *, quantity: Decimal | None = None, limit_price: Decimal | None = None
    ) -> BrokerOrder:
        if quantity is None and limit_price is None:
            raise BrokerError(f"replace order {client_order_id}: give a new quantity or limit price")
        chain = self._chain(client_order_id)
        current = self._broker_order(chain, client_order_id, with_fills=False)
        if current.status in ("filled", "cancelled", "rejected"):
            raise BrokerError(
                f"order {client_order_id} is {current.status} at Alpaca; only open orders can be replaced"
            )
        fields: dict[str, Any] = {}
        if limit_price is not None:
            if not limit_price.is_finite() or limit_price <= 0:
                raise BrokerError(f"replace order {client_order_id}: limit price must be > 0, got {limit_price}")
            fields["limit_price"] = float(limit_price)
        if quantity is not None or current.filled_quantity > 0:
            fields["qty"] = _replacement_qty(
                client_order_id, quantity if quantity is not None else current.quantity, current.filled_quantity
            )
        action = f"replace order {client_order_id}"
        try:
            with self._transport(action):
                new = self._client.replace_order_by_id(chain[-1].id, ReplaceOrderRequest(**fields))
        except APIError as exc:
            raise _translate(exc, action) from exc
        return self._broker_order([*chain, _as_order(new)], client_order_id)

    def cancel(self, client_order_id: str) -> BrokerOrder:
        chain = self._chain(client_order_id)
        if self._broker_order(chain, client_order_id, with_fills=False).status in ("filled", "cancelled", "rejected"):
            return self._broker_order(chain, client_order_id)
        action = f"cancel order {client_order_id}"
        try:
            with self._transport(action):
                self._client.cancel_order_by_id(chain[-1].id)
        except APIError as exc:
            if _status(exc) != 422:  # 422: no longer cancelable (it filled meanwhile): report its state
                raise _translate(exc, action) from exc
        return self.order(client_order_id)

    def order(self, client_order_id: str) -> BrokerOrder:
        return self._broker_order(self._chain(client_order_id), client_order_id)

    def positions(self) -> list[BrokerPosition]:
        action = "list positions"
        try:
            with self._transport(action):
                rows = self._client.get_all_positions()
        except APIError as exc:
            raise _translate(exc, action) from exc
        out = []
        for row in rows:
            if not isinstance(row, AlpacaPosition):
                raise BrokerError("Alpaca's positions answer is not in the documented shape")
            size = abs(_dec(row.qty, "position qty"))
            out.append(
                BrokerPosition(
                    symbol=row.symbol,
                    quantity=-size if row.side == PositionSide.SHORT else size,
                    avg_cost=_dec(row.avg_entry_price, "avg_entry_price"),
                    market_value=_dec(row.market_value, "market_value") if row.market_value is not None else None,
                )
            )
        return sorted(out, key=lambda p: p.symbol)

    def account(self) -> BrokerAccount:
        action = "read account"
        try:
            with self._transport(action):
                acct = self._client.get_account()
        except APIError as exc:
            raise _translate(exc, action) from exc
        if not isinstance(acct, TradeAccount):
            raise BrokerError("Alpaca's account answer is not in the documented shape")
        if acct.cash is None or acct.equity is None:
            raise BrokerError("Alpaca's account answer has no cash or equity")
        return BrokerAccount(
            cash=_dec(acct.cash, "cash"),
            equity=_dec(acct.equity, "equity"),
            buying_power=_dec(acct.buying_power, "buying_power") if acct.buying_power is not None else None,
            currency=acct.currency or "USD",
        )

    # --- helpers --------------------------------------------------------------------------------

    @contextmanager
    def _transport(self, action: str) -> Iterator[None]:
        """Turn timeouts, connection failures and unreadable answers into one-line BrokerErrors."""
        try:
            yield
        except requests.Timeout as exc:
            raise BrokerError(f"Alpaca did not answer '{action}' within {self.timeout:g} s") from exc
        except requests.JSONDecodeError as exc:
            raise BrokerError(f"Alpaca's answer to '{action}' is not JSON") from exc
        except requests.RequestException as exc:
            raise BrokerError(f"cannot reach Alpaca at {self.base_url} ('{action}'): {type(exc).__name__}") from exc
        except (pydantic.ValidationError, ValueError, KeyError, TypeError) as exc:
            raise BrokerError(f"Alpaca's answer to '{action}' is not in the documented shape") from exc

    def _existing(self, order: OrderRequest) -> BrokerOrder:
        """The order Alpaca already holds under this client order id (idempotent re-submission)."""
        existing = self.order(order.client_order_id)
        if (existing.symbol, existing.side) != (order.symbol, order.side):
            raise OrderRejected(
                f"client order id {order.client_order_id} is already used at Alpaca by another order "
                f"({existing.side} {existing.symbol})"
            )
        return existing

    def _chain(self, client_order_id: str) -> list[AlpacaOrder]:
        """The order with this client id, followed by the orders that replaced it, oldest first."""
        action = f"read order {client_order_id}"
        try:
            with self._transport(action):
                chain = [_as_order(self._client.get_order_by_client_id(client_order_id))]
                while chain[-1].status == OrderStatus.REPLACED and chain[-1].replaced_by is not None:
                    if len(chain) > MAX_REPLACEMENTS:
                        raise BrokerError(f"order {client_order_id} was replaced more than {MAX_REPLACEMENTS} times")
                    chain.append(_as_order(self._client.get_order_by_id(chain[-1].replaced_by)))
        except APIError as exc:
            raise _translate(exc, action) from exc
        return chain

    def _broker_order(self, chain: list[AlpacaOrder], client_order_id: str, *, with_fills: bool = True) -> BrokerOrder:
        head = chain[-1]
        filled = [_dec(o.filled_qty or 0, "filled_qty") for o in chain]
        total_filled = sum(filled, ZERO)
        notional = sum(
            (q * _dec(o.filled_avg_price, "filled_avg_price") for q, o in zip(filled, chain, strict=True) if q > 0),
            ZERO,
        )
        quantity = _dec(head.qty or 0, "qty") + sum(filled[:-1], ZERO)
        status = head.status.value
        return BrokerOrder(
            client_order_id=client_order_id,
            broker_order_id=str(head.id),
            symbol=head.symbol or "",
            side=head.side.value if head.side is not None else "",
            quantity=quantity,
            status=platform_status(status, quantity=quantity, filled=total_filled),
            filled_quantity=total_filled,
            avg_fill_price=notional / total_filled if total_filled > 0 else None,
            reject_reason=f"rejected by Alpaca (order {head.id})" if status == OrderStatus.REJECTED else "",
            fills=self._fills(chain) if with_fills and total_filled > 0 else (),
        )

    def _fills(self, chain: list[AlpacaOrder]) -> tuple[BrokerFill, ...]:
        """Executions of the orders in ``chain`` from the FILL account activities, oldest first."""
        ids = {str(o.id) for o in chain}
        after = (min(o.submitted_at for o in chain) - dt.timedelta(seconds=1)).astimezone(dt.UTC)
        params: dict[str, Any] = {
            "after": after.isoformat().replace("+00:00", "Z"),
            "direction": "asc",
            "page_size": ACTIVITY_PAGE_SIZE,
        }
        fills: list[BrokerFill] = []
        action = "read fill activities"
        while True:
            try:
                with self._transport(action):
                    page = self._client.get("/account/activities/FILL", params)
                    if not isinstance(page, list):
                        raise ValueError("activities answer is not a list")
                    fills.extend(_fill(row) for row in page if str(row.get("order_id")) in ids)
            except APIError as exc:
                raise _translate(exc, action) from exc
            if len(page) < ACTIVITY_PAGE_SIZE:
                return tuple(fills)
            params["page_token"] = page[-1]["id"]


def _order_request(order: OrderRequest) -> MarketOrderRequest | LimitOrderRequest:
    """alpaca-py's request for a platform order; bad input is an OrderRejected and sends nothing."""
    cid = order.client_order_id
    if not order.quantity.is_finite() or order.quantity <= 0:
        raise OrderRejected(f"order {cid}: quantity must be > 0, got {order.quantity}")
    if order.side not in ("buy", "sell"):
        raise OrderRejected(f"order {cid}: side must be buy or sell, got {order.side!r}")
    tif = "cls" if order.order_type == "moc" else order.time_in_force
    if order.order_type == "moc" and order.time_in_force not in ("day", "cls"):
        raise OrderRejected(f"order {cid}: a market-on-close order cannot be time in force {order.time_in_force}")
    if tif not in _TIME_IN_FORCE:
        raise OrderRejected(f"order {cid}: unknown time in force {order.time_in_force!r}")
    common: dict[str, Any] = {
        "symbol": order.symbol,
        "qty": float(order.quantity),
        "side": OrderSide(order.side),
        "time_in_force": _TIME_IN_FORCE[tif],
        "client_order_id": cid,
    }
    if order.order_type in ("market", "moc"):
        if order.limit_price is not None:
            raise OrderRejected(f"order {cid}: a {order.order_type} order takes no limit price")
        return MarketOrderRequest(**common)
    if order.order_type == "limit":
        price = order.limit_price
        if price is None or not price.is_finite() or price <= 0:
            raise OrderRejected(f"order {cid}: a limit order needs a limit price > 0, got {price}")
        return LimitOrderRequest(limit_price=float(price), **common)
    raise OrderRejected(f"order {cid}: unknown order type {order.order_type!r}")


def _replacement_qty(client_order_id: str, total: Decimal, filled: Decimal) -> int:
    remaining = total - filled
    if remaining <= 0:
        raise BrokerError(f"replace order {client_order_id}: new quantity {total} is not above the {filled} filled")
    if remaining != remaining.to_integral_value():
        raise BrokerError(f"replace order {client_order_id}: Alpaca replaces whole shares only ({remaining} to go)")
    return int(remaining)


def _fill(row: dict[str, Any]) -> BrokerFill:
    when = dt.datetime.fromisoformat(str(row["transaction_time"]).replace("Z", "+00:00"))
    return BrokerFill(
        broker_fill_id=str(row["id"]),
        quantity=_dec(row["qty"], "activity qty"),
        price=_dec(row["price"], "activity price"),
        fees=ZERO,  # Alpaca charges no commission on US equities; regulatory fees arrive as FEE activities
        venue="alpaca",
        filled_at=when,
    )


def _as_order(value: object) -> AlpacaOrder:
    if not isinstance(value, AlpacaOrder):
        raise ValueError("expected an order object")
    return value


def _dec(value: object, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise BrokerError(f"Alpaca sent a non-numeric {what}: {str(value)[:40]!r}") from exc
    if not number.is_finite():
        raise BrokerError(f"Alpaca sent a non-finite {what}: {value!r}")
    return number


def _status(exc: APIError) -> int | None:
    return exc.status_code


def _body(exc: APIError) -> dict[str, Any]:
    try:
        body = json.loads(str(exc))
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _message(exc: APIError) -> str:
    body = _body(exc)
    text = str(body.get("message") or str(exc) or "no message")
    return " ".join(text.split())[:200]


def _translate(exc: APIError, action: str, *, submitting: bool = False) -> BrokerError:
    """One-line reason for an Alpaca error answer; a refused new order is an OrderRejected."""
    status, body, message = _status(exc), _body(exc), _message(exc)
    if status == 403 and (body.get("code") == INSUFFICIENT_BUYING_POWER_CODE or "buying power" in message):
        detail = ""
        if body.get("buying_power") is not None and body.get("cost_basis") is not None:
            detail = f" (buying power {body['buying_power']} USD, order cost {body['cost_basis']} USD)"
        cls = OrderRejected if submitting else BrokerError
        return cls(f"Alpaca refused '{action}': insufficient buying power{detail}")
    if status in (401, 403):
        return BrokerError(f"Alpaca refused the API key for '{action}' (HTTP {status}: {message})")
    if status == 404:
        return BrokerError(f"Alpaca does not know '{action}' (HTTP 404: {message})")
    if status == 422:
        cls = OrderRejected if submitting else BrokerError
        return cls(f"Alpaca rejected '{action}': {message} (HTTP 422)")
    if status == 429:
        return BrokerError(f"Alpaca rate limit hit on '{action}' (HTTP 429); try again shortly")
    if status is not None and status >= 500:
        return BrokerError(f"Alpaca server error on '{action}' (HTTP {status}: {message})")
    return BrokerError(f"Alpaca refused '{action}' (HTTP {status}: {message})")
