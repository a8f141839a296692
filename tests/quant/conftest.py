from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache (Redis when REDIS_URL is set): start every test clean."""
    cache.clear()
    yield
    cache.clear()
