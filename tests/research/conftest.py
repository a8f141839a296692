"""A small demo warehouse with computed signal reports, built once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

DEMO = {"stocks": 300, "years": 6, "seed": 7}


@pytest.fixture(scope="session")
def demo_reports(django_db_setup, django_db_blocker) -> Iterator[list]:  # noqa: ANN001
    """Demo warehouse (300 × 6 y) + alpha_build on it; yields the reports (rows kept for the session)."""
    from research.services.reports import alpha_build
    from warehouse.services import warehouse_sync_demo

    with django_db_blocker.unblock():
        warehouse_sync_demo(**DEMO, writer="tests")
        reports = alpha_build(names="all")
        yield reports
        from research.models import ModelVersion, SignalReport

        SignalReport.objects.all().delete()
        ModelVersion.objects.all().delete()
