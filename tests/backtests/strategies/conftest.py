"""A demo warehouse (150 stocks, 2 years to 2024-12-31, seed 13) for the strategy runner tests."""

from __future__ import annotations

import pytest
from django.test import override_settings


@pytest.fixture(scope="module")
def demo_dirs(django_db_setup, django_db_blocker, tmp_path_factory):  # noqa: ANN001, ANN201
    from warehouse.services import warehouse_sync_demo

    data = tmp_path_factory.mktemp("strategy-runner")
    dirs = {"DATA_DIR": data, "WAREHOUSE_DIR": data / "warehouse", "ANALYTICS_DIR": data / "analytics",
            "LOCKS_DIR": data / "locks", "MODELS_DIR": data / "models"}  # fmt: skip
    with override_settings(**dirs), django_db_blocker.unblock():
        warehouse_sync_demo(stocks=150, years=2, seed=13, writer="test")
        yield dirs
