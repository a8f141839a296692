"""A local Alpaca Trading API v2 for tests: a real HTTP server on 127.0.0.1 with Alpaca's JSON shapes.

``AlpacaStandin`` answers the endpoints the adapter uses, with the fields of Alpaca's documented
objects (order, position, account, FILL activity) and its error bodies
(``{"code": ..., "message": ...}``):

``POST /v2/orders``, ``GET /v2/orders:by_client_order_id``, ``GET|PATCH|DELETE /v2/orders/{id}``,
``GET /v2/positions``, ``GET /v2/account``, ``GET /v2/account/activities/FILL``.

It is stateful: orders, executions (added by the test with :meth:`AlpacaStandin.fill`), positions
(average cost, signed quantity, ``side`` long/short) and cash move together. Alpaca's rules it
keeps: unique ``client_order_id`` (422 ``client_order_id must be unique``), buying power for buys
(403 code 40310000 ``insufficient buying power``, buying power = cash less open buy orders, no
margin), an order in ``accepted``/``pending_new``/``pending_cancel``/``pending_replace`` cannot be
replaced (422), a finished order cannot be cancelled (422), a replacement is a new order and the old
one becomes ``replaced`` with ``replaced_by``. New orders start ``accepted`` (an order sent outside
market hours); :meth:`set_status` moves them on. :meth:`fail_next` and :meth:`delay_next` make the
next matching request fail or answer late. Wrong API keys get 401 ``request is not authorized``.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ZERO = Decimal(0)
OPEN = {"new", "accepted", "pending_new", "partially_filled", "accepted_for_bidding", "held", "done_for_day"}
NOT_REPLACEABLE = {"accepted", "pending_new", "pending_cancel", "pending_replace"}


def num(value: Decimal) -> str:
    """Alpaca's number-as-string: plain digits, no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass
class StandinOrder:
    id: str
    client_order_id: str
    symbol: str
    asset_id: str
    side: str
    qty: Decimal
    type: str
    time_in_force: str
    limit_price: Decimal | None
    status: str
    created_at: dt.datetime
    filled_qty: Decimal = ZERO
    filled_avg_price: Decimal | None = None
    filled_at: dt.datetime | None = None
    canceled_at: dt.datetime | None = None
    replaced_at: dt.datetime | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    updated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_order_id": self.client_order_id,
            "created_at": stamp(self.created_at),
            "updated_at": stamp(self.updated_at),
            "submitted_at": stamp(self.created_at),
            "filled_at": stamp(self.filled_at) if self.filled_at else None,
            "expired_at": None,
            "canceled_at": stamp(self.canceled_at) if self.canceled_at else None,
            "failed_at": None,
            "replaced_at": stamp(self.replaced_at) if self.replaced_at else None,
            "replaced_by": self.replaced_by,
            "replaces": self.replaces,
            "asset_id": self.asset_id,
            "symbol": self.symbol,
            "asset_class": "us_equity",
            "notional": None,
            "qty": num(self.qty),
            "filled_qty": num(self.filled_qty),
            "filled_avg_price": num(self.filled_avg_price) if self.filled_avg_price is not None else None,
            "order_class": "",
            "order_type": self.type,
            "type": self.type,
            "side": self.side,
            "position_intent": "buy_to_open" if self.side == "buy" else "sell_to_close",
            "time_in_force": self.time_in_force,
            "limit_price": num(self.limit_price) if self.limit_price is not None else None,
            "stop_price": None,
            "status": self.status,
            "extended_hours": False,
            "legs": None,
            "trail_percent": None,
            "trail_price": None,
            "hwm": None,
            "subtag": None,
            "source": None,
        }


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


class AlpacaStandin:
    """Start with ``with AlpacaStandin() as alpaca:``; point the client at ``alpaca.url``."""

    def __init__(self, *, cash: Decimal = Decimal("100000"), key_id: str = "PKSTANDIN", secret: str = "s3cr3t") -> None:
        self.key_id, self.secret = key_id, secret
        self.cash = cash
        self.account_id = str(uuid.uuid4())
        self.prices: dict[str, Decimal] = {}
        self.assets: dict[str, str] = {}
        self.orders: dict[str, StandinOrder] = {}
        self.positions: dict[str, tuple[Decimal, Decimal]] = {}  # symbol -> (signed qty, avg entry price)
        self.activities: list[dict[str, Any]] = []
        self.requests: list[Recorded] = []
        self.failures: list[tuple[str, str, int, dict[str, Any]]] = []
        self.delays: list[tuple[str, str, float]] = []
        self.lock = threading.RLock()
        self.in_flight = 0
        self.idle = threading.Condition(self.lock)
        self.server = _Server(self)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> AlpacaStandin:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what a test does -------------------------------------------------------------------------

    def list_asset(self, symbol: str, price: Decimal) -> None:
        """A tradable US equity with its last price (used for buying power and market values)."""
        with self.lock:
            self.assets.setdefault(symbol, str(uuid.uuid4()))
            self.prices[symbol] = price

    def by_client_id(self, client_order_id: str) -> StandinOrder:
        with self.lock:
            return next(o for o in self.orders.values() if o.client_order_id == client_order_id)

    def head(self, client_order_id: str) -> StandinOrder:
        """The live order for a client id: the last order of its replacement chain."""
        order = self.by_client_id(client_order_id)
        while order.replaced_by:
            order = self.orders[order.replaced_by]
        return order

    def set_status(self, client_order_id: str, status: str) -> None:
        with self.lock:
            order = self.head(client_order_id)
            order.status, order.updated_at = status, dt.datetime.now(dt.UTC)

    def fill(self, client_order_id: str, qty: Decimal, price: Decimal) -> str:
        """Execute ``qty`` shares of the live order at ``price``; returns the FILL activity id."""
        with self.lock:
            order = self.head(client_order_id)
            if order.status not in OPEN or qty <= 0 or order.filled_qty + qty > order.qty:
                raise ValueError(f"cannot fill {qty} of {order.client_order_id} ({order.status}, {order.filled_qty})")
            now = dt.datetime.now(dt.UTC)
            paid = (order.filled_avg_price or ZERO) * order.filled_qty + price * qty
            order.filled_qty += qty
            order.filled_avg_price = paid / order.filled_qty
            order.status = "filled" if order.filled_qty == order.qty else "partially_filled"
            order.filled_at = now if order.status == "filled" else None
            order.updated_at = now
            signed = qty if order.side == "buy" else -qty
            self.cash -= signed * price
            held, avg = self.positions.get(order.symbol, (ZERO, ZERO))
            after = held + signed
            if held == 0 or (held > 0) == (signed > 0):
                avg = (held * avg + signed * price) / after
            elif after != 0 and (after > 0) != (held > 0):
                avg = price  # flipped through zero: the rest opens at this price
            self.positions[order.symbol] = (after, avg)
            activity_id = f"{now:%Y%m%d%H%M%S%f}"[:17] + f"::{uuid.uuid4()}"
            self.activities.append(
                {
                    "activity_type": "FILL",
                    "id": activity_id,
                    "cum_qty": num(order.filled_qty),
                    "leaves_qty": num(order.qty - order.filled_qty),
                    "price": num(price),
                    "qty": num(qty),
                    "side": order.side,
                    "symbol": order.symbol,
                    "transaction_time": stamp(now),
                    "order_id": order.id,
                    "type": "fill" if order.status == "filled" else "partial_fill",
                    "order_status": order.status,
                }
            )
            return activity_id

    def fail_next(self, method: str, path: str, status: int, body: Any = None) -> None:
        """The next ``method path`` request gets this status and body (a 5xx by default)."""
        self.failures.append((method, path, status, body or {"code": 50010000, "message": "internal server error"}))

    def delay_next(self, method: str, path: str, seconds: float) -> None:
        """The next ``method path`` request is answered (and acted on) only after ``seconds``."""
        self.delays.append((method, path, seconds))

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no request is being answered (a slow request the client gave up on included)."""
        with self.idle:
            self.idle.wait_for(lambda: self.in_flight == 0, timeout)

    # --- the API ----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if path == "/v2/orders" and method == "POST":
            return self._create(body)
        if path == "/v2/orders:by_client_order_id" and method == "GET":
            cid = (query.get("client_order_id") or [""])[0]
            found = [o for o in self.orders.values() if o.client_order_id == cid]
            return (200, found[0].to_json()) if found else _error(404, 40410000, "order not found")
        if path.startswith("/v2/orders/"):
            order = self.orders.get(path.removeprefix("/v2/orders/"))
            if order is None:
                return _error(404, 40410000, "order not found")
            if method == "GET":
                return 200, order.to_json()
            if method == "PATCH":
                return self._replace(order, body)
            if method == "DELETE":
                if order.status not in OPEN:
                    return _error(422, 42210000, f"order is not cancelable (status {order.status})")
                order.status = "canceled"
                order.canceled_at = order.updated_at = dt.datetime.now(dt.UTC)
                return 204, None
        if path == "/v2/positions" and method == "GET":
            return 200, [self._position(s, q, a) for s, (q, a) in sorted(self.positions.items()) if q != 0]
        if path == "/v2/account" and method == "GET":
            return 200, self._account()
        if path == "/v2/account/activities/FILL" and method == "GET":
            return 200, self._activities(query)
        return _error(404, 40410000, "endpoint not found")

    def _buying_power(self) -> Decimal:
        reserved = sum(
            ((o.qty - o.filled_qty) * (o.limit_price or self.prices[o.symbol]))
            for o in self.orders.values()
            if o.side == "buy" and o.status in OPEN
        )
        return max(self.cash, ZERO) - reserved

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        symbol, side, kind = body.get("symbol"), body.get("side"), body.get("type")
        cid = body.get("client_order_id") or str(uuid.uuid4())
        if any(o.client_order_id == cid for o in self.orders.values()):
            return _error(422, 40010001, "client_order_id must be unique")
        if symbol not in self.assets:
            return _error(422, 40010001, f'asset "{symbol}" not found')
        qty = Decimal(str(body.get("qty", "0")))
        if qty <= 0:
            return _error(422, 40010001, "qty must be > 0")
        if side not in ("buy", "sell") or kind not in ("market", "limit"):
            return _error(422, 40010001, "invalid side or type")
        if body.get("time_in_force") not in ("day", "gtc", "opg", "cls", "ioc", "fok"):
            return _error(422, 40010001, "invalid time_in_force")
        limit = Decimal(str(body["limit_price"])) if body.get("limit_price") is not None else None
        if kind == "limit" and limit is None:
            return _error(422, 40010001, "limit_price is required for limit orders")
        cost = qty * (limit or self.prices[symbol])
        if side == "buy" and cost > self._buying_power():
            return 403, {
                "buying_power": num(self._buying_power()),
                "code": 40310000,
                "cost_basis": num(cost),
                "message": "insufficient buying power",
            }
        order = StandinOrder(
            id=str(uuid.uuid4()), client_order_id=cid, symbol=symbol, asset_id=self.assets[symbol], side=side,
            qty=qty, type=kind, time_in_force=body["time_in_force"], limit_price=limit, status="accepted",
            created_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        self.orders[order.id] = order
        return 200, order.to_json()

    def _replace(self, old: StandinOrder, body: dict[str, Any]) -> tuple[int, Any]:
        if old.status not in OPEN or old.status in NOT_REPLACEABLE:
            return _error(422, 42210000, f"order is not replaceable (status {old.status})")
        now = dt.datetime.now(dt.UTC)
        new = StandinOrder(
            id=str(uuid.uuid4()), client_order_id=body.get("client_order_id") or str(uuid.uuid4()),
            symbol=old.symbol, asset_id=old.asset_id, side=old.side,
            qty=Decimal(str(body["qty"])) if body.get("qty") is not None else old.qty, type=old.type,
            time_in_force=body.get("time_in_force") or old.time_in_force,
            limit_price=Decimal(str(body["limit_price"])) if body.get("limit_price") is not None else old.limit_price,
            status="accepted", created_at=now, replaces=old.id,
        )  # fmt: skip
        old.status, old.replaced_by, old.replaced_at, old.updated_at = "replaced", new.id, now, now
        self.orders[new.id] = new
        return 200, new.to_json()

    def _position(self, symbol: str, qty: Decimal, avg: Decimal) -> dict[str, Any]:
        price = self.prices[symbol]
        value, basis = qty * price, qty * avg
        return {
            "asset_id": self.assets[symbol],
            "symbol": symbol,
            "exchange": "NASDAQ",
            "asset_class": "us_equity",
            "asset_marginable": True,
            "qty": num(qty),
            "qty_available": num(qty),
            "avg_entry_price": num(avg),
            "side": "long" if qty > 0 else "short",
            "market_value": num(value),
            "cost_basis": num(basis),
            "unrealized_pl": num(value - basis),
            "unrealized_plpc": num((value - basis) / abs(basis)),
            "unrealized_intraday_pl": "0",
            "unrealized_intraday_plpc": "0",
            "current_price": num(price),
            "lastday_price": num(price),
            "change_today": "0",
        }

    def _account(self) -> dict[str, Any]:
        long = sum((q * self.prices[s] for s, (q, _) in self.positions.items() if q > 0), ZERO)
        short = sum((q * self.prices[s] for s, (q, _) in self.positions.items() if q < 0), ZERO)
        equity = self.cash + long + short
        bp = num(self._buying_power())
        return {
            "id": self.account_id, "account_number": "PA3STANDIN01", "status": "ACTIVE", "crypto_status": "ACTIVE",
            "currency": "USD", "buying_power": bp, "regt_buying_power": bp, "daytrading_buying_power": "0",
            "non_marginable_buying_power": bp, "cash": num(self.cash), "accrued_fees": "0",
            "pending_transfer_out": "0", "pending_transfer_in": "0", "portfolio_value": num(equity),
            "pattern_day_trader": False, "trading_blocked": False, "transfers_blocked": False,
            "account_blocked": False, "created_at": "2026-01-02T14:30:00Z", "trade_suspended_by_user": False,
            "multiplier": "1", "shorting_enabled": True, "equity": num(equity), "last_equity": num(equity),
            "long_market_value": num(long), "short_market_value": num(short), "initial_margin": "0",
            "maintenance_margin": "0", "last_maintenance_margin": "0", "sma": "0", "daytrade_count": 0,
        }  # fmt: skip

    def _activities(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        rows = list(self.activities)
        if after := (query.get("after") or [None])[0]:
            cut = dt.datetime.fromisoformat(after.replace("Z", "+00:00"))
            rows = [r for r in rows if dt.datetime.fromisoformat(r["transaction_time"].replace("Z", "+00:00")) > cut]
        if (query.get("direction") or ["desc"])[0] == "desc":
            rows.reverse()
        if token := (query.get("page_token") or [None])[0]:
            ids = [r["id"] for r in rows]
            rows = rows[ids.index(token) + 1 :] if token in ids else []
        size = min(int((query.get("page_size") or ["100"])[0]), 100)
        return rows[:size]


def _error(status: int, code: int, message: str) -> tuple[int, Any]:
    return status, {"code": code, "message": message}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        stand = self.server.stand
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with stand.lock:
            stand.in_flight += 1
            stand.requests.append(Recorded(self.command, parts.path, parse_qs(parts.query), body, dict(self.headers)))
            delay = next((d for d in stand.delays if d[:2] == (self.command, parts.path)), None)
            if delay:
                stand.delays.remove(delay)
        try:
            if delay:
                time.sleep(delay[2])
            with stand.lock:
                failure = next((f for f in stand.failures if f[:2] == (self.command, parts.path)), None)
                if failure:
                    stand.failures.remove(failure)
                    status, payload = failure[2], failure[3]
                elif (self.headers.get("APCA-API-KEY-ID"), self.headers.get("APCA-API-SECRET-KEY")) != (
                    stand.key_id,
                    stand.secret,
                ):
                    status, payload = _error(401, 40110000, "request is not authorized")
                else:
                    status, payload = stand.handle(self.command, parts.path, parse_qs(parts.query), body)
            data = b"" if payload is None else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout); the request still took effect, as it would at Alpaca
        finally:
            with stand.idle:
                stand.in_flight -= 1
                stand.idle.notify_all()

    do_GET = do_POST = do_PATCH = do_DELETE = _serve  # noqa: N815

    def log_message(self, *args: object) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stand: AlpacaStandin) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stand = stand
