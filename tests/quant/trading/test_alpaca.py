"""The Alpaca adapter through the real alpaca-py client against a local Alpaca Trading API v2.

Expected numbers are worked out by hand in each test from the fills the test makes (quantity x
price sums), never read back from the adapter.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal as D

import pytest
from alpaca.trading.enums import OrderStatus

from quant.trading.alpaca import AlpacaBroker, platform_status
from quant.trading.broker import Broker, BrokerError, OrderRejected, OrderRequest
from quant.trading.brokers import broker_for, broker_names, broker_register
from quant.trading.errors import TradingError
from tests.support.alpaca_standin import AlpacaStandin


@pytest.fixture
def broker(alpaca: AlpacaStandin) -> AlpacaBroker:
    return AlpacaBroker(alpaca.key_id, alpaca.secret, url_override=alpaca.url, timeout=2)


def buy(cid: str, qty: str, symbol: str = "AAPL", **kw: object) -> OrderRequest:
    return OrderRequest(client_order_id=cid, symbol=symbol, side="buy", quantity=D(qty), **kw)  # type: ignore[arg-type]


def posts(alpaca: AlpacaStandin) -> list[dict]:
    return [r.body for r in alpaca.requests if r.method == "POST" and r.path == "/v2/orders"]


def test_it_is_a_broker(broker: AlpacaBroker) -> None:
    assert isinstance(broker, Broker)
    assert broker.name == "alpaca"


def test_submit_market_order_sends_alpacas_request_and_maps_the_answer(alpaca, broker) -> None:
    placed = broker.submit(buy("s1-0001", "10"))

    assert posts(alpaca) == [
        {"symbol": "AAPL", "qty": 10.0, "side": "buy", "type": "market", "time_in_force": "day",
         "client_order_id": "s1-0001"}
    ]  # fmt: skip
    sent = alpaca.requests[0].headers
    assert (sent["APCA-API-KEY-ID"], sent["APCA-API-SECRET-KEY"]) == (alpaca.key_id, alpaca.secret)
    assert placed.broker_order_id == alpaca.by_client_id("s1-0001").id
    assert (placed.symbol, placed.side, placed.quantity, placed.status) == ("AAPL", "buy", D("10"), "accepted")
    assert (placed.filled_quantity, placed.avg_fill_price, placed.fills) == (D(0), None, ())


def test_limit_moc_and_limit_on_close_use_alpacas_types_and_time_in_force(alpaca, broker) -> None:
    broker.submit(buy("lim", "5", order_type="limit", limit_price=D("189.55"), time_in_force="gtc"))
    broker.submit(OrderRequest("moc", "MSFT", "sell", D("0.5"), order_type="moc"))
    broker.submit(buy("loc", "3", order_type="limit", limit_price=D("188"), time_in_force="cls"))

    sent = {b["client_order_id"]: b for b in posts(alpaca)}
    assert (sent["lim"]["type"], sent["lim"]["limit_price"], sent["lim"]["time_in_force"]) == ("limit", 189.55, "gtc")
    assert (sent["moc"]["type"], sent["moc"]["time_in_force"], sent["moc"]["qty"]) == ("market", "cls", 0.5)
    assert "limit_price" not in sent["moc"]
    assert (sent["loc"]["type"], sent["loc"]["time_in_force"]) == ("limit", "cls")
    assert alpaca.by_client_id("lim").limit_price == D("189.55")


def test_resubmitting_a_client_order_id_returns_the_existing_order(alpaca, broker) -> None:
    first = broker.submit(buy("s1-0002", "10"))
    again = broker.submit(buy("s1-0002", "10"))

    assert again.broker_order_id == first.broker_order_id
    assert len(alpaca.orders) == 1
    assert [(r.method, r.path) for r in alpaca.requests] == [
        ("POST", "/v2/orders"),
        ("POST", "/v2/orders"),  # 422 client_order_id must be unique
        ("GET", "/v2/orders:by_client_order_id"),
    ]


def test_resubmitting_a_client_order_id_for_another_order_is_rejected(alpaca, broker) -> None:
    broker.submit(buy("s1-0003", "10"))
    with pytest.raises(OrderRejected, match=r"s1-0003 is already used at Alpaca by another order \(buy AAPL\)"):
        broker.submit(buy("s1-0003", "10", symbol="MSFT"))
    assert len(alpaca.orders) == 1


def test_order_status_and_fills_come_from_the_order_and_fill_activities(alpaca, broker) -> None:
    broker.submit(buy("s1-0004", "10", order_type="limit", limit_price=D("191")))
    alpaca.set_status("s1-0004", "new")
    assert broker.order("s1-0004").status == "accepted"

    first = alpaca.fill("s1-0004", D("4"), D("189.40"))
    part = broker.order("s1-0004")
    assert (part.status, part.filled_quantity, part.avg_fill_price) == ("partially_filled", D("4"), D("189.4"))
    assert [(f.broker_fill_id, f.quantity, f.price) for f in part.fills] == [(first, D("4"), D("189.4"))]

    second = alpaca.fill("s1-0004", D("6"), D("190.10"))
    done = broker.order("s1-0004")
    assert (done.status, done.filled_quantity) == ("filled", D("10"))
    assert done.avg_fill_price == (4 * D("189.40") + 6 * D("190.10")) / 10 == D("189.82")
    assert [(f.broker_fill_id, f.quantity, f.price, f.fees, f.venue) for f in done.fills] == [
        (first, D("4"), D("189.4"), D(0), "alpaca"),
        (second, D("6"), D("190.1"), D(0), "alpaca"),
    ]
    assert all(f.filled_at is not None and f.filled_at.tzinfo is not None for f in done.fills)


def test_fills_are_read_across_activity_pages_and_only_for_this_order(alpaca, broker) -> None:
    broker.submit(buy("big", "105"))
    broker.submit(buy("other", "3", symbol="MSFT"))
    for s in ("big", "other"):
        alpaca.set_status(s, "new")
    ids = []
    for i in range(105):
        ids.append(alpaca.fill("big", D("1"), D("100") + D(i) / 100))
        if i % 40 == 0:
            alpaca.fill("other", D("1"), D("400"))

    order = broker.order("big")

    assert [f.broker_fill_id for f in order.fills] == ids
    assert order.filled_quantity == D("105") and order.status == "filled"
    assert order.avg_fill_price == sum(D("100") + D(i) / 100 for i in range(105)) / 105 == D("100.52")
    pages = [r.query for r in alpaca.requests if r.path == "/v2/account/activities/FILL"]
    assert len(pages) == 2 and pages[1]["page_token"] == [alpaca.activities[99]["id"]]


def test_replace_patches_the_open_order_and_the_order_follows_the_replacement(alpaca, broker) -> None:
    broker.submit(buy("s1-0005", "10", order_type="limit", limit_price=D("100")))
    alpaca.set_status("s1-0005", "new")
    alpaca.fill("s1-0005", D("4"), D("99.50"))

    replaced = broker.replace("s1-0005", quantity=D("12"), limit_price=D("101"))

    patch = next(r for r in alpaca.requests if r.method == "PATCH")
    old = alpaca.by_client_id("s1-0005")
    assert patch.path == f"/v2/orders/{old.id}" and patch.body == {"qty": 8, "limit_price": 101.0}
    assert old.status == "replaced" and replaced.broker_order_id == old.replaced_by
    assert (replaced.client_order_id, replaced.quantity, replaced.filled_quantity) == ("s1-0005", D("12"), D("4"))
    assert replaced.status == "partially_filled"

    alpaca.set_status("s1-0005", "new")
    alpaca.fill("s1-0005", D("8"), D("100.75"))
    done = broker.order("s1-0005")
    assert (done.status, done.quantity, done.filled_quantity) == ("filled", D("12"), D("12"))
    assert done.avg_fill_price == (4 * D("99.50") + 8 * D("100.75")) / 12
    assert [f.quantity for f in done.fills] == [D("4"), D("8")]


def test_replace_refuses_finished_orders_and_reports_alpacas_refusal(alpaca, broker) -> None:
    broker.submit(buy("s1-0006", "10", order_type="limit", limit_price=D("100")))
    with pytest.raises(BrokerError, match=r"order is not replaceable \(status accepted\) \(HTTP 422\)") as exc:
        broker.replace("s1-0006", limit_price=D("99"))
    assert not isinstance(exc.value, OrderRejected)  # the order stays open: not a rejection of the order

    alpaca.set_status("s1-0006", "new")
    alpaca.fill("s1-0006", D("10"), D("100"))
    with pytest.raises(BrokerError, match="s1-0006 is filled at Alpaca; only open orders can be replaced"):
        broker.replace("s1-0006", quantity=D("20"))
    with pytest.raises(BrokerError, match="give a new quantity or limit price"):
        broker.replace("s1-0006")


def test_replace_sends_whole_shares_only(alpaca, broker) -> None:
    broker.submit(buy("s1-0007", "10", order_type="limit", limit_price=D("100")))
    with pytest.raises(BrokerError, match=r"whole shares only \(10.5 to go\)"):
        broker.replace("s1-0007", quantity=D("10.5"))
    assert not any(r.method == "PATCH" for r in alpaca.requests)


def test_cancel_open_partially_filled_and_finished_orders(alpaca, broker) -> None:
    broker.submit(buy("open", "10"))
    cancelled = broker.cancel("open")
    assert (cancelled.status, cancelled.filled_quantity) == ("cancelled", D(0))
    assert ("DELETE", f"/v2/orders/{alpaca.by_client_id('open').id}") in [(r.method, r.path) for r in alpaca.requests]

    broker.submit(buy("part", "10"))
    alpaca.set_status("part", "new")
    alpaca.fill("part", D("3"), D("190.25"))
    part = broker.cancel("part")
    assert (part.status, part.filled_quantity, part.avg_fill_price) == ("cancelled", D("3"), D("190.25"))

    broker.submit(buy("done", "2"))
    alpaca.set_status("done", "new")
    alpaca.fill("done", D("2"), D("189"))
    deletes = sum(r.method == "DELETE" for r in alpaca.requests)
    assert broker.cancel("done").status == "filled"
    assert sum(r.method == "DELETE" for r in alpaca.requests) == deletes  # a finished order: nothing sent


def test_cancel_that_loses_the_race_to_a_fill_returns_the_orders_state(alpaca, broker) -> None:
    broker.submit(buy("race", "10"))
    alpaca.set_status("race", "new")
    alpaca.fill("race", D("6"), D("190"))
    order_id = alpaca.by_client_id("race").id
    alpaca.fail_next("DELETE", f"/v2/orders/{order_id}", 422, {"code": 42210000, "message": "order is not cancelable"})
    state = broker.cancel("race")
    assert (state.status, state.filled_quantity) == ("partially_filled", D("6"))


def test_positions_are_signed_and_shorts_are_negative(alpaca, broker) -> None:
    broker.submit(buy("long", "10"))
    broker.submit(OrderRequest("short", "MSFT", "sell", D("5")))
    for cid, qty, price in (("long", "10", "190"), ("short", "5", "400")):
        alpaca.set_status(cid, "new")
        alpaca.fill(cid, D(qty), D(price))
    alpaca.list_asset("AAPL", D("195"))
    alpaca.list_asset("MSFT", D("410"))

    positions = broker.positions()

    assert [(p.symbol, p.quantity, p.avg_cost, p.market_value) for p in positions] == [
        ("AAPL", D("10"), D("190"), 10 * D("195")),
        ("MSFT", D("-5"), D("400"), -5 * D("410")),
    ]
    raw = alpaca._position("MSFT", *alpaca.positions["MSFT"])
    assert (raw["side"], raw["qty"], raw["unrealized_pl"]) == ("short", "-5", "-50")


def test_account_reports_cash_equity_and_buying_power(alpaca, broker) -> None:
    assert broker.account() == broker.account().__class__(D("100000"), D("100000"), D("100000"), "USD")
    broker.submit(buy("long", "10"))
    broker.submit(OrderRequest("short", "MSFT", "sell", D("5")))
    for cid, qty, price in (("long", "10", "190"), ("short", "5", "400")):
        alpaca.set_status(cid, "new")
        alpaca.fill(cid, D(qty), D(price))
    alpaca.list_asset("AAPL", D("195"))
    alpaca.list_asset("MSFT", D("404"))

    account = broker.account()

    cash = D("100000") - 10 * D("190") + 5 * D("400")
    assert (account.cash, account.buying_power, account.currency) == (cash, cash, "USD")
    assert account.equity == cash + 10 * D("195") - 5 * D("404") == D("100030")


def test_insufficient_buying_power_is_a_rejection_with_alpacas_numbers(alpaca, broker) -> None:
    alpaca.cash = D("1000")
    with pytest.raises(OrderRejected) as exc:
        broker.submit(buy("s1-0008", "10"))
    assert str(exc.value) == (
        "Alpaca refused 'submit order s1-0008': insufficient buying power (buying power 1000 USD, order cost 1900 USD)"
    )
    assert alpaca.orders == {}


def test_alpaca_validation_error_is_a_rejection(alpaca, broker) -> None:
    with pytest.raises(OrderRejected, match=r'asset "ZZZZ" not found \(HTTP 422\)'):
        broker.submit(buy("s1-0009", "1", symbol="ZZZZ"))


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (buy("b1", "0"), "quantity must be > 0, got 0"),
        (buy("b2", "NaN"), "quantity must be > 0, got NaN"),
        (buy("b3", "-3"), "quantity must be > 0, got -3"),
        (buy("b4", "1", order_type="limit"), "a limit order needs a limit price > 0, got None"),
        (buy("b5", "1", order_type="limit", limit_price=D("-1")), "limit price > 0, got -1"),
        (buy("b6", "1", order_type="moc", time_in_force="gtc"), "market-on-close order cannot be time in force gtc"),
        (buy("b7", "1", limit_price=D("10")), "a market order takes no limit price"),
        (buy("b8", "1", order_type="stop"), "unknown order type 'stop'"),
        (buy("b9", "1", time_in_force="fok"), "unknown time in force 'fok'"),
    ],
)
def test_bad_orders_are_rejected_before_anything_is_sent(alpaca, broker, request_, reason) -> None:
    with pytest.raises(OrderRejected, match=reason):
        broker.submit(request_)
    assert alpaca.requests == []


def test_server_errors_are_broker_errors_not_rejections(alpaca, broker) -> None:
    alpaca.fail_next("POST", "/v2/orders", 500)
    with pytest.raises(BrokerError) as exc:
        broker.submit(buy("s1-0010", "1"))
    assert not isinstance(exc.value, OrderRejected)
    assert str(exc.value) == "Alpaca server error on 'submit order s1-0010' (HTTP 500: internal server error)"

    alpaca.fail_next("GET", "/v2/account", 503, {"code": 50300000, "message": "service\nunavailable"})
    with pytest.raises(BrokerError, match=r"^Alpaca server error on 'read account' \(HTTP 503: service unavailable\)$"):
        broker.account()
    assert broker.submit(buy("s1-0010", "1")).status == "accepted"  # the failed submit left nothing behind


def test_an_answer_in_another_shape_is_a_broker_error(alpaca, broker) -> None:
    alpaca.fail_next("GET", "/v2/account", 200, {"balance": "100000"})
    with pytest.raises(BrokerError, match=r"^Alpaca's answer to 'read account' is not in the documented shape$"):
        broker.account()
    alpaca.fail_next("GET", "/v2/positions", 200, [{"symbol": "AAPL", "qty": "many"}])
    with pytest.raises(BrokerError, match="not in the documented shape"):
        broker.positions()


def test_a_slow_answer_is_a_timeout_and_resubmitting_is_safe(alpaca) -> None:
    broker = AlpacaBroker(alpaca.key_id, alpaca.secret, url_override=alpaca.url, timeout=0.3)
    alpaca.delay_next("POST", "/v2/orders", 1.0)
    started = time.monotonic()
    with pytest.raises(BrokerError, match=r"^Alpaca did not answer 'submit order s1-0011' within 0.3 s$"):
        broker.submit(buy("s1-0011", "1"))
    assert time.monotonic() - started < 0.9

    alpaca.wait_idle()  # Alpaca acted on the request the client gave up on
    again = broker.submit(buy("s1-0011", "1"))
    assert again.broker_order_id == alpaca.by_client_id("s1-0011").id and len(alpaca.orders) == 1


def test_unknown_order_and_unreachable_host_are_broker_errors(alpaca, broker) -> None:
    with pytest.raises(BrokerError, match=r"Alpaca does not know 'read order nope' \(HTTP 404: order not found\)"):
        broker.order("nope")
    alpaca.__exit__()
    with pytest.raises(BrokerError, match=r"cannot reach Alpaca at http://127.0.0.1:\d+ \('list positions'\)"):
        broker.positions()


def test_wrong_keys_fail_clearly_and_the_secret_is_never_shown(alpaca, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = AlpacaBroker(alpaca.key_id, "not-the-secret-xyz", url_override=alpaca.url + "/v2/", timeout=2)
    with pytest.raises(BrokerError) as exc:
        wrong.account()
    assert str(exc.value) == "Alpaca refused the API key for 'read account' (HTTP 401: request is not authorized)"
    assert alpaca.requests[0].path == "/v2/account"  # a base URL given with /v2 is not doubled

    right = AlpacaBroker(alpaca.key_id, alpaca.secret, url_override=alpaca.url, timeout=2)
    right.submit(buy("s1-0012", "1"))
    right.order("s1-0012")
    for secret in ("not-the-secret-xyz", alpaca.secret):
        assert secret not in caplog.text
        assert secret not in repr(wrong) + repr(right) + str(exc.value)
    with pytest.raises(BrokerError, match="credentials are missing"):
        AlpacaBroker("", "", url_override=alpaca.url)


# Every Alpaca order status (alpaca-py's enum) and what the platform calls it, unfilled and with
# 4 of 10 shares filled.
STATUS_TABLE = {
    "new": ("accepted", "partially_filled"),
    "accepted": ("accepted", "partially_filled"),
    "pending_new": ("accepted", "partially_filled"),
    "accepted_for_bidding": ("accepted", "partially_filled"),
    "pending_review": ("accepted", "partially_filled"),
    "held": ("accepted", "partially_filled"),
    "stopped": ("accepted", "partially_filled"),
    "suspended": ("accepted", "partially_filled"),
    "calculated": ("accepted", "partially_filled"),
    "done_for_day": ("accepted", "partially_filled"),
    "pending_cancel": ("accepted", "partially_filled"),
    "pending_replace": ("accepted", "partially_filled"),
    "partially_filled": ("accepted", "partially_filled"),
    "filled": ("filled", "filled"),
    "canceled": ("cancelled", "cancelled"),
    "expired": ("cancelled", "cancelled"),
    "rejected": ("rejected", "rejected"),
    "replaced": ("cancelled", "cancelled"),
}


def test_status_table_covers_every_alpaca_status() -> None:
    assert set(STATUS_TABLE) == {s.value for s in OrderStatus}


@pytest.mark.parametrize(("alpaca_status", "expected"), sorted(STATUS_TABLE.items()))
def test_status_mapping(alpaca_status: str, expected: tuple[str, str]) -> None:
    unfilled = platform_status(alpaca_status, quantity=D("10"), filled=D("0"))
    part = platform_status(alpaca_status, quantity=D("10"), filled=D("4"))
    assert (unfilled, part) == expected
    assert platform_status(alpaca_status, quantity=D("10"), filled=D("10")) == "filled"


@pytest.mark.parametrize(
    ("alpaca_status", "expected"),
    [("expired", "cancelled"), ("done_for_day", "accepted"), ("pending_cancel", "accepted"), ("rejected", "rejected")],
)
def test_status_mapping_through_the_client(alpaca, broker, alpaca_status, expected) -> None:
    broker.submit(buy("st", "10"))
    alpaca.set_status("st", alpaca_status)
    order = broker.order("st")
    assert order.status == expected
    reason = f"rejected by Alpaca (order {order.broker_order_id})" if expected == "rejected" else ""
    assert order.reject_reason == reason


def test_broker_for_builds_alpaca_from_settings(alpaca, settings) -> None:
    settings.ALPACA_API_KEY_ID, settings.ALPACA_API_SECRET_KEY = alpaca.key_id, alpaca.secret
    settings.ALPACA_BASE_URL, settings.ALPACA_TIMEOUT_SECONDS = alpaca.url, 1.5
    built = broker_for(None, "alpaca")
    assert isinstance(built, AlpacaBroker) and built.timeout == 1.5
    assert built.account().cash == D("100000")
    assert broker_for(None, "alpaca", timeout=0.7).timeout == 0.7

    settings.ALPACA_API_SECRET_KEY = ""
    with pytest.raises(BrokerError, match="set ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY"):
        broker_for(None, "alpaca")


def test_broker_registry_knows_names_once() -> None:
    assert "alpaca" in broker_names()
    with pytest.raises(TradingError, match=r"no broker 'ib' is registered \(known: .*alpaca"):
        broker_for(None, "ib")
    with pytest.raises(ValueError, match="'alpaca' is already registered"):
        broker_register("alpaca", lambda strategy, **kw: None)  # type: ignore[arg-type, return-value]
