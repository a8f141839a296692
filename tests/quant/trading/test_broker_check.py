from __future__ import annotations

from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quant.trading.alpaca import AlpacaBroker
from quant.trading.broker import OrderRequest


@pytest.fixture
def configured(alpaca, settings):  # noqa: ANN001, ANN201
    settings.ALPACA_API_KEY_ID, settings.ALPACA_API_SECRET_KEY = alpaca.key_id, alpaca.secret
    settings.ALPACA_BASE_URL = alpaca.url
    return alpaca


def test_broker_check_prints_account_and_positions(configured) -> None:
    broker = AlpacaBroker(configured.key_id, configured.secret, url_override=configured.url)
    broker.submit(OrderRequest("c1", "AAPL", "buy", D("10")))
    configured.set_status("c1", "new")
    configured.fill("c1", D("10"), D("188.5"))
    out = StringIO()

    call_command("broker_check", stdout=out)

    lines = out.getvalue().splitlines()
    # cash 100,000 - 10 x 188.50 = 98,115; equity 98,115 + 10 x 190 (AAPL's mark) = 100,015
    assert lines[1] == "cash 98115 USD, equity 100015 USD, buying power 98115 USD"
    assert lines[2].split() == ["AAPL", "10", "sh", "@", "avg", "188.5", "(market", "value", "1900", "USD)"]
    assert lines[-1] == "broker_check: 1 open position(s)"
    assert not any(r.method in ("POST", "PATCH", "DELETE") for r in configured.requests[1:])


def test_broker_check_exits_2_with_the_reason(configured, settings) -> None:
    settings.ALPACA_API_SECRET_KEY = "wrong-secret"
    with pytest.raises(CommandError) as exc:
        call_command("broker_check", stdout=StringIO())
    assert exc.value.returncode == 2
    assert str(exc.value) == (
        "broker_check alpaca: Alpaca refused the API key for 'read account' (HTTP 401: request is not authorized)"
    )
    with pytest.raises(CommandError, match="no broker 'nope' is registered"):
        call_command("broker_check", "--broker", "nope", stdout=StringIO())
