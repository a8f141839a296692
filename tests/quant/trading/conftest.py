from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from quant.models import Strategy
from quant.trading.prices import StaticPrices

D1, D2, D3 = dt.date(2024, 3, 4), dt.date(2024, 3, 5), dt.date(2024, 3, 6)


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
