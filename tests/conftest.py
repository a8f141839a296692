from __future__ import annotations

import pytest

from tests.support import services

pytest_plugins = ["tests.support.no_network"]


@pytest.fixture
def postgres_url() -> str:
    return services.require_postgres()


@pytest.fixture
def redis_url() -> str:
    return services.require_redis()


@pytest.fixture
def chromium_path() -> str:
    return services.require_chromium()


def pytest_report_header(config: pytest.Config) -> list[str]:
    import os

    return [
        f"quantdesk: DATABASE_URL={os.environ.get('DATABASE_URL', '(sqlite default)')} "
        f"REDIS_URL={os.environ.get('REDIS_URL', '(unset)')} CI={os.environ.get('CI', '')}"
    ]
