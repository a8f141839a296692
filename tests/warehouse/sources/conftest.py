from __future__ import annotations

import pytest

from warehouse.sources.demo import DemoConfig, DemoOutput, generate

MID = DemoConfig(stocks=600, years=4, seed=11)


@pytest.fixture(scope="session")
def demo_mid() -> DemoOutput:
    """One mid-size run shared by the demo tests (about 2 s)."""
    return generate(MID)
