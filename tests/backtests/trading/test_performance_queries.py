"""Query count of the performance page: bounded, and the same for a small and a large book.

In a module of its own: the risk-model fixture of the page tests leaves model rows for the rest of
its module, and a page with a risk model makes one more query (the registry's production version).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.backtests.trading.test_performance_page import _viewer_with
from tests.factories import StrategyFactory
from tests.support.trading_history import bulk_fills, positions, seeded_returns, snapshot_history

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> list[str]:
    client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries]


def test_page_query_count_is_bounded_and_does_not_grow_with_the_book() -> None:
    small, large = StrategyFactory(), StrategyFactory()
    snapshot_history(small, seeded_returns(30))
    positions(small, {f"S{i}": (10 + i, 5.0) for i in range(3)})
    snapshot_history(large, seeded_returns(600))
    positions(large, {f"S{i}": (10 + i, 5.0) for i in range(200)})
    bulk_fills(large, 600, symbols=[f"S{i}" for i in range(200)], start=dt.date(2016, 1, 4))
    few = _queries(_viewer_with(small), reverse("backtests:performance", args=[small.pk]))
    many = _queries(_viewer_with(large), reverse("backtests:performance", args=[large.pk]))
    # session, user, 2FA device, strategy (+ grant), snapshot fingerprint, positions, their newest
    # fills, risk model, 2 permission lookups of the menu, access log insert (3 with its savepoint),
    # session touch
    assert len(many) == len(few) <= 14, "\n".join(q[:160] for q in many)
    assert sum('FROM "quant_pnlsnapshot"' in q for q in many) == 1
    assert sum('FROM "quant_position"' in q for q in many) == 1
    assert sum('FROM "quant_fill"' in q for q in many) == 1
