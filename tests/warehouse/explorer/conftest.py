"""A small published warehouse (catalog.duckdb included) for the explorer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse.conftest import demo_frames
from warehouse.publish import publish_dataset


@pytest.fixture
def catalog(wh: Path) -> dict[str, int]:
    """Publish crsp_daily, crsp_names and ff_factors; returns each one's row count."""
    frames = demo_frames()
    rows = {}
    for name in ("crsp_daily", "crsp_names", "ff_factors"):
        publish_dataset(name, frames[name], source="test", query_hash="q", writer="test")
        rows[name] = frames[name].height
    return rows
