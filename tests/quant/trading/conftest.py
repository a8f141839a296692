from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from quant.models import Strategy
from quant.trading.prices import StaticPrices
from tests.support.alpaca_standin import AlpacaStandin

D1, D2, D3 = dt.date(2024, 3, 4), dt.date(2024, 3, 5), dt.date(2024, 3, 6)


@pytest.fixture
def alpaca() -> Iterator[AlpacaStandin]:
    """A local Alpaca with $100,000 cash, AAPL at $190 and MSFT at $400."""
    with AlpacaStandin(cash=Decimal("100000")) as stand:
        stand.list_asset("AAPL", Decimal("190"))
        stand.list_asset("MSFT", Decimal("400"))
        yield stand


@pytest.fixture
def strategy(db) -> Strategy:  # noqa: ANN001
    owner = get_user_model().objects.create_user("trader", password="x")
    return Strategy.objects.create(name="alpha", owner=owner, status=Strategy.Status.ACTIVE)


@pytest.fixture
def prices() -> StaticPrices:
    """Three sessions of two symbols: (open, high, low, close, volume)."""
    return StaticPrices.from_rows(
        [
            ("AAA", D1, "100", "102", "99", "101", "10000"),
            ("AAA", D2, "102", "105", "101", "104", "10000"),
            ("AAA", D3, "103", "104", "96", "98", "5000"),
            ("BBB", D1, "50", "51", "49", "50.5", "2000"),
            ("BBB", D2, "51", "52", "48", "49", "2000"),
            ("BBB", D3, "48", "50", "47", "49.5", "2000"),
        ]
    )
