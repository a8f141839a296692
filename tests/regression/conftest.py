"""The pinned demo warehouse of the golden backtests, built once per test session in its own
temporary directory (other tests keep the session's empty warehouse)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from backtests.services import goldens as g


@pytest.fixture(scope="session")
def _pinned_demo_session() -> Iterator[g.PinnedDemo]:
    from warehouse.services import demo_market_history

    if demo_market_history() is None:
        pytest.skip("the goldens are pinned on the demo with real Ken French history: ../shared/data/french is absent")
    root = Path(tempfile.mkdtemp(prefix="quantdesk-goldens-test-"))
    yield g.build_pinned_demo(root)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pinned_demo(_pinned_demo_session: g.PinnedDemo) -> Iterator[g.PinnedDemo]:
    """The pinned demo warehouse, active (WAREHOUSE_DIR/LOCKS_DIR) for this test."""
    with g.use_pinned_demo(_pinned_demo_session) as demo:
        yield demo
