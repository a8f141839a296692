from __future__ import annotations

import pytest

from tests.support import services

pytest_plugins = ["tests.support.no_network", "tests.support.browser"]


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


@pytest.fixture(scope="session", autouse=True)
def _close_stray_postgres_sessions(django_db_setup):  # noqa: ANN001
    """Threads (live server, in-process jobs, health checks) may keep a connection to the test
    database; end them before pytest-django drops it, so teardown never warns or fails."""
    yield
    import psycopg
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    params = connection.settings_dict
    name = params["NAME"] if params["NAME"].startswith("test_") else f"test_{params['NAME']}"
    try:
        with psycopg.connect(
            host=params["HOST"] or "127.0.0.1",
            port=params["PORT"] or 5432,
            user=params["USER"] or None,
            password=params["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
    except psycopg.OperationalError:
        pass  # the server went away: nothing left to clean


@pytest.fixture(autouse=True)
def _circuit_breaker_armed():  # noqa: ANN202
    """The breaker's Redis copy outlives a test's rolled-back rows: every test starts armed (and
    with the copy in place, so pages cost the same number of queries from the first request)."""
    from django.core.cache import cache

    from quant.trading.breaker import CACHE_KEY, BreakerStatus, publish

    publish(BreakerStatus(tripped=False))
    yield
    cache.delete(CACHE_KEY)
