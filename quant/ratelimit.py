"""Fixed-window rate limiting on the Django cache (Redis in production).

``hit`` is atomic on Redis and on the local-memory cache: the window counter is created with
``cache.add`` (set-if-absent, with the window as its timeout) and then ``cache.incr``-ed, so two
processes hitting the same key never lose a count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    remaining: int
    retry_after: int  # seconds until the current window ends (0 when allowed)


def _window(key: str, period_seconds: int) -> tuple[str, int]:
    now = int(time.time())
    start = now - now % period_seconds
    return f"ratelimit:{key}:{start}", start + period_seconds - now


def hit(key: str, *, limit: int, period_seconds: int) -> RateLimitResult:
    """Count one event for ``key``; allowed while at most ``limit`` events fell in this window."""
    if limit < 1 or period_seconds < 1:
        raise ValueError("limit and period_seconds must be positive")
    cache_key, ends_in = _window(key, period_seconds)
    cache.add(cache_key, 0, timeout=period_seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: start a fresh window
        cache.add(cache_key, 1, timeout=period_seconds + 1)
        count = 1
    allowed = count <= limit
    return RateLimitResult(
        allowed=allowed, remaining=max(limit - count, 0), retry_after=0 if allowed else max(ends_in, 1)
    )


def peek(key: str, *, limit: int, period_seconds: int) -> RateLimitResult:
    """The state of ``key`` without counting an event (for refusing before doing any work)."""
    cache_key, ends_in = _window(key, period_seconds)
    count = int(cache.get(cache_key, 0))
    allowed = count < limit
    return RateLimitResult(
        allowed=allowed, remaining=max(limit - count, 0), retry_after=0 if allowed else max(ends_in, 1)
    )


def reset(key: str, *, period_seconds: int) -> None:
    """Forget the current window of ``key`` (after a success)."""
    cache.delete(_window(key, period_seconds)[0])
