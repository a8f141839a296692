"""The operations pages: full page and fragment, read-only for viewers, refused POSTs, step-up
with before/after in the audit log, and the trading configuration saved, versioned and read live."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from quant.models import AccessLog
from quant.trading.breaker import breaker_status, breaker_trip
from quant.trading.broker import OrderRequest
from quant.trading.config import TradingSettings, config_save, trading_settings
from quant.trading.errors import TradingError
from quant.trading.models import Order, Position
from quant.trading.ops_models import TradingConfig
from quant.trading.paper import PaperBroker
from quant.trading.services import order_submit
from tests.factories import StrategyFactory, TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified, totp_code
from tests.support.paper_book import D2, PRICES, paper_prices, seed_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():  # noqa: ANN201
    with paper_prices():
        strategy = StrategyFactory(name="Paper10", owner=UserFactory(username="pm", role="operator"))
        seed_book(strategy)
        yield strategy


def operator(client, strategy, username: str = "ops"):  # noqa: ANN001, ANN201
    device = TOTPDeviceFactory(user=UserFactory(username=username, role="operator"))
    for perm in ("quant.view_strategy", "quant.trade_strategy"):
        assign_perm(perm, device.user, strategy)
    login_verified(client, device)
    return device


def test_controls_page_full_and_fragment_and_read_only_for_a_viewer(client, book) -> None:  # noqa: ANN001
    viewer = TOTPDeviceFactory(user=UserFactory(username="vic", role="viewer"))
    assign_perm("quant.view_strategy", viewer.user, book)
    login_verified(client, viewer)
    url = reverse("quant:trade_controls") + f"?strategy={book.pk}"
    page = client.get(url).content.decode()
    assert "<html" in page and 'id="trading-read-only"' in page and "your role has no trade controls" in page
    assert 'id="trading-positions"' in page and ">AAA<" in page and "Close</button>" not in page
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="trading-book">') and "<html" not in fragment
    flatten = reverse("quant:flatten", args=[book.pk])
    assert client.post(flatten, {"key": "v1"}).status_code == 403
    assert client.post(reverse("quant:breaker_reset"), {"step_up_reason": "x"}).status_code == 403
    preview = client.get(reverse("quant:flatten_preview", args=[book.pk])).content.decode()
    assert "estimated value $1,236.00" in preview and 'id="flatten-read-only"' in preview
    assert Order.objects.filter(source="manual").count() == 0


def test_operator_without_the_trade_grant_is_refused(client, book) -> None:  # noqa: ANN001
    device = TOTPDeviceFactory(user=UserFactory(username="other", role="operator"))
    assign_perm("quant.view_strategy", device.user, book)
    login_verified(client, device)
    response = client.post(
        reverse("quant:position_close", args=[book.pk]),
        {"key": "k", "symbol": "AAA", "step_up_token": totp_code(device), "step_up_reason": "x"},
    )
    assert response.status_code == 403 and Order.objects.filter(source="manual").count() == 0


def test_flatten_asks_for_the_code_then_acts_once_and_audits_before_and_after(client, book) -> None:  # noqa: ANN001
    device = operator(client, book)
    url = reverse("quant:flatten", args=[book.pk])
    confirm = client.post(url, {"key": "f1"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="step-up-confirm"' in confirm and Order.objects.filter(source="manual").count() == 0
    data = {"key": "f1", "step_up_token": totp_code(device), "step_up_reason": "risk off"}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("quant:trade_controls") + f"?strategy={book.pk}"
    data["step_up_token"] = totp_code(device, steps_ahead=1)
    client.post(url, data, HTTP_HX_REQUEST="true")  # the same form again: acts no more
    assert Order.objects.filter(source="manual", status="filled").count() == 2
    assert set(Position.objects.filter(strategy=book).values_list("quantity", flat=True)) == {D(0)}
    logs = list(AccessLog.objects.filter(name="strategy.flatten").order_by("id"))
    assert [log.action for log in logs] == ["control", "control"]
    assert logs[0].reason == (
        "risk off | strategy.flatten Paper10: before: Paper10: AAA 10 sh (cost $1010), BBB -4 sh (cost $-202); "
        "1 open order | after: Paper10: no positions; 0 open orders"
    )
    page = client.get(reverse("quant:trade_controls") + f"?strategy={book.pk}").content.decode()
    assert "Already done (this form was submitted before)" in page or "2 closing orders sent, 2 filled" in page


def test_breaker_page_trip_and_reset_once_a_minute(client, book) -> None:  # noqa: ANN001
    device = operator(client, book)
    page = client.get(reverse("quant:breaker")).content.decode()
    assert "every 5s [document.visibilityState === 'visible']" in page and 'id="console-breaker-card"' in page
    client.post(reverse("quant:breaker_trip"), {"reason": "manual stop"})
    assert breaker_status().tripped and "Breaker tripped" in client.get(reverse("quant:strategy_list")).content.decode()
    fragment = client.get(reverse("quant:breaker"), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="breaker-status"') and "manual stop" in fragment
    reset = {"step_up_token": totp_code(device), "step_up_reason": "checked"}
    client.post(reverse("quant:breaker_reset"), reset)
    assert not breaker_status().tripped
    breaker_trip(reason="again", by="ops")
    reset = {"step_up_token": totp_code(device, steps_ahead=1), "step_up_reason": "too soon"}
    response = client.post(reverse("quant:breaker_reset"), reset, follow=True)
    assert "at most one reset per minute" in response.content.decode() and breaker_status().tripped
    refused = AccessLog.objects.get(name="breaker.reset", action="refused")
    assert "at most one reset per minute" in refused.reason


def test_config_is_validated_versioned_audited_and_read_live(client, strategy) -> None:  # noqa: ANN001
    device = TOTPDeviceFactory(user=UserFactory(username="root", role="admin"))
    login_verified(client, device)
    values = {**TradingSettings().as_json(), "max_order_shares": "5", "trading_days": ["0", "1", "2", "3", "4"],
              "holidays": "2026-12-25"}  # fmt: skip
    bad = client.post(reverse("quant:trading_config_save"), {**values, "market_close": "09:00"})
    assert bad.status_code == 422 and "must be after market_open" in bad.content.decode()
    assert client.post(reverse("quant:trading_config_save"), values).content.decode().count("step-up-confirm") == 1
    saved = {**values, "step_up_token": totp_code(device), "step_up_reason": "tighter size limit"}
    assert client.post(reverse("quant:trading_config_save"), saved).status_code == 302
    assert TradingConfig.objects.get().version == 1 and trading_settings().max_order_shares == D(5)
    assert trading_settings().holidays[0].isoformat() == "2026-12-25"
    log = AccessLog.objects.get(name="trading.config")
    changes = '{"holidays": [[], ["2026-12-25"]], "max_order_shares": ["1000000", "5"]}'
    assert log.reason == f"tighter size limit | v1: {changes}"
    broker = PaperBroker(PRICES, today=D2)
    with pytest.raises(TradingError, match=r"10 shares of AAA is above the limit of 5 shares per order \(.* v1\)"):
        order_submit(strategy, OrderRequest("big", "AAA", "buy", D(10), "moc"), broker=broker, trade_date=D2)
    config_save(values=TradingSettings(max_order_value=D(500)), user=None, reason="value cap")
    order_submit(strategy, OrderRequest("ok", "AAA", "buy", D(4), "moc"), broker=broker, trade_date=D2)
    with pytest.raises(TradingError, match=r"about \$600 of AAA is above the limit of \$500"):
        order_submit(strategy, OrderRequest("lim", "AAA", "buy", D(6), "limit", D(100)), broker=broker, trade_date=D2)
    viewer = TOTPDeviceFactory(user=UserFactory(username="v2", role="viewer"))
    login_verified(client, viewer)
    page = client.get(reverse("quant:trading_config")).content.decode()
    assert 'id="trading-config-read-only"' in page and ">v1<" in page and "disabled" in page
    assert client.post(reverse("quant:trading_config_save"), values).status_code == 403
