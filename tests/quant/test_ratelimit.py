from __future__ import annotations

import time

import pytest
from django.core.cache import caches
from django.test import override_settings

from quant import ratelimit


def test_allows_limit_hits_then_refuses_with_retry_after():
    results = [ratelimit.hit("t:basic", limit=3, period_seconds=60) for _ in range(5)]
    assert [r.allowed for r in results] == [True, True, True, False, False]
    assert [r.remaining for r in results] == [2, 1, 0, 0, 0]
    assert results[0].retry_after == 0
    assert 1 <= results[3].retry_after <= 60


def test_keys_are_independent_and_reset_clears():
    for _ in range(2):
        ratelimit.hit("t:a", limit=2, period_seconds=60)
    assert not ratelimit.peek("t:a", limit=2, period_seconds=60).allowed
    assert ratelimit.peek("t:b", limit=2, period_seconds=60).remaining == 2
    ratelimit.reset("t:a", period_seconds=60)
    assert ratelimit.peek("t:a", limit=2, period_seconds=60).allowed


def test_window_rolls_over(monkeypatch):
    now = [1_000_000.0]  # a multiple of 10: a window starts here
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert ratelimit.hit("t:roll", limit=1, period_seconds=10).allowed
    now[0] += 9
    refused = ratelimit.hit("t:roll", limit=1, period_seconds=10)
    assert not refused.allowed and refused.retry_after == 1
    now[0] += 1
    assert ratelimit.hit("t:roll", limit=1, period_seconds=10).allowed


def test_rejects_non_positive_limits():
    with pytest.raises(ValueError):
        ratelimit.hit("t:bad", limit=0, period_seconds=10)


@pytest.mark.redis
def test_counts_are_atomic_on_real_redis(redis_url):
    from concurrent.futures import ThreadPoolExecutor

    redis_cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    with override_settings(CACHES=redis_cache):
        caches["default"].clear()
        key = f"t:redis:{time.time_ns()}"
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda _: ratelimit.hit(key, limit=25, period_seconds=60), range(40)))
        assert sum(r.allowed for r in results) == 25
        assert sorted(r.remaining for r in results if r.allowed) == list(range(25))
        assert ratelimit.peek(key, limit=25, period_seconds=60).remaining == 0
        caches["default"].clear()
