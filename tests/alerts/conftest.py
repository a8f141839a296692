from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from alerts.delivery import delivery_send
from alerts.models import Channel, Delivery
from alerts.secrets import encrypt
from quant.models import Strategy
from quant.trading.broker import OrderRequest
from quant.trading.paper import PaperBroker
from quant.trading.prices import StaticPrices
from quant.trading.services import capital_contribute, order_submit, order_sync, snapshot_take
from tests.alerts.standins import HTTPStandIn, SMTPSink
from tests.factories import UserFactory

D1, D2, D3 = dt.date(2024, 3, 4), dt.date(2024, 3, 5), dt.date(2024, 3, 6)
TWILIO_SID = "AC" + "0" * 32


@pytest.fixture(autouse=True)
def _quick_timeouts(settings) -> None:  # noqa: ANN001
    settings.ALERTS_SEND_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def smtp() -> Iterator[SMTPSink]:
    with SMTPSink() as sink:
        yield sink


@pytest.fixture
def http() -> Iterator[HTTPStandIn]:
    with HTTPStandIn() as standin:
        yield standin


def email_channel(sink: SMTPSink, to: str = "pm@example.com") -> Channel:
    return Channel.objects.create(
        name="desk e-mail",
        kind="email",
        target=to,
        config={"host": "127.0.0.1", "port": sink.port, "from": "alerts@quantdesk.test"},
    )


def slack_channel(standin: HTTPStandIn) -> Channel:
    return Channel.objects.create(name="desk slack", kind="slack", secret=encrypt(f"{standin.url}/services/T0/B0/XYZ"))


def sms_channel(standin: HTTPStandIn, to: str = "+15550001111") -> Channel:
    return Channel.objects.create(
        name="on-call sms",
        kind="sms",
        target=to,
        secret=encrypt("twilio-auth-token-123456"),
        config={"account_sid": TWILIO_SID, "from": "+15559998888", "api_base": standin.url},
    )


def run_worker() -> list[int]:
    """What a Celery worker on the ``alerts`` queue does with the queued deliveries."""
    ids = list(Delivery.objects.filter(status=Delivery.Status.QUEUED).values_list("pk", flat=True))
    for pk in ids:
        delivery_send(delivery_id=pk)
    return ids


@pytest.fixture
def paper_strategy(db) -> Strategy:  # noqa: ANN001
    """A paper strategy: $10,000, 90 AAA bought at the D1 close of $100 (no costs), AAA at 110 then 85.

    Equity: D1 1,000 + 90 × 100 = 10,000; D2 1,000 + 9,900 = 10,900; D3 1,000 + 7,650 = 8,650.
    """
    owner = UserFactory(username="pm")
    strategy = Strategy.objects.create(name="Momentum paper", owner=owner, status=Strategy.Status.ACTIVE)
    prices = StaticPrices.from_rows([("AAA", D1, "100", "100", "100", "100", "1000"),
                                     ("AAA", D2, "110", "110", "110", "110", "1000"),
                                     ("AAA", D3, "85", "85", "85", "85", "1000")])  # fmt: skip
    broker = PaperBroker(prices, slippage_bps=0, commission_per_share="0", today=D1)
    capital_contribute(strategy, "10000", trade_date=D1)
    order = order_submit(strategy, OrderRequest("o1", "AAA", "buy", Decimal(90), "moc"), broker=broker, trade_date=D1)
    broker.process(D1)
    order_sync(order, broker)
    for day in (D1, D2, D3):
        snapshot_take(strategy, day, prices)
    return strategy
