"""Detect the real services tests need.

Locally a missing service skips the test with a reason; under CI (CI=true) it fails, so a
broken CI machine can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _missing(what: str) -> None:
    message = f"{what} is not available"
    if in_ci():
        pytest.fail(f"{message} (CI=true: required services must be present).", pytrace=False)
    pytest.skip(message)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def require_postgres() -> str:
    url = postgres_url()
    if url is None:
        _missing("PostgreSQL (DATABASE_URL is not a postgres:// URL)")
    parsed = urlparse(url)
    if not _reachable(parsed.hostname or "127.0.0.1", parsed.port or 5432):
        _missing(f"PostgreSQL at {parsed.hostname}:{parsed.port}")
    return url  # type: ignore[return-value]


def require_redis() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _missing("Redis (REDIS_URL is not set)")
    parsed = urlparse(url)
    if not _reachable(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        _missing(f"Redis at {parsed.hostname}:{parsed.port}")
    return url


def require_chromium() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _missing(f"Chromium ({CHROMIUM}; install Debian's chromium package)")
    return CHROMIUM
