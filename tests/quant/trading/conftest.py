from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.support.alpaca_standin import AlpacaStandin


@pytest.fixture
def alpaca() -> Iterator[AlpacaStandin]:
    """A local Alpaca with $100,000 cash, AAPL at $190 and MSFT at $400."""
    with AlpacaStandin(cash=Decimal("100000")) as stand:
        stand.list_asset("AAPL", Decimal("190"))
        stand.list_asset("MSFT", Decimal("400"))
        yield stand
