"""A small demo warehouse with computed signal reports, built once per test session in its own
directory (other apps' tests keep seeing an empty warehouse in the session's DATA_DIR)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DEMO = {"stocks": 300, "years": 6, "seed": 7}


def _dirs(root: Path) -> dict[str, Path]:
    return {"WAREHOUSE_DIR": root / "warehouse", "ANALYTICS_DIR": root / "analytics"}


@pytest.fixture(scope="session")
def _demo_session(django_db_setup, django_db_blocker) -> Iterator[tuple[Path, list]]:  # noqa: ANN001
    from django.test import override_settings

    from research.services.reports import alpha_build
    from warehouse.services import warehouse_sync_demo

    root = Path(tempfile.mkdtemp(prefix="quantdesk-research-demo-"))
    with django_db_blocker.unblock(), override_settings(**_dirs(root)):
        warehouse_sync_demo(**DEMO, writer="tests")
        reports = alpha_build(names="all")
    yield root, reports
    with django_db_blocker.unblock():
        from quant.models import Job
        from research.models import ModelVersion, SignalReport
        from research.services.reports import KIND

        SignalReport.objects.all().delete()
        Job.objects.filter(kind=KIND).delete()
        ModelVersion.objects.all().delete()


@pytest.fixture
def demo_reports(_demo_session, settings) -> list:  # noqa: ANN001
    """Demo warehouse (300 × 6 y) + alpha_build on it, active for this test; yields the reports."""
    root, reports = _demo_session
    for name, path in _dirs(root).items():
        setattr(settings, name, path)
    return reports
