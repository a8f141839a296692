"""Each web process's request-latency percentiles, shared through the cache.

The ring buffer itself is per process (``console.latency``: nothing on the hot path but an append);
every ``PUBLISH_SECONDS`` a process copies its P50/P95/P99 to the cache under its own key, so code
in another process — the alerts beat job in a Celery worker — sees every web process. A process
that stops serving drops out when its key expires (``TTL_SECONDS``).
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from django.core.cache import cache

PREFIX = "web-latency:"
INDEX_KEY = "web-latency:processes"
PUBLISH_SECONDS = 15.0
TTL_SECONDS = 180
_last_published = 0.0


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def publish(stats: dict[str, Any], *, process: str | None = None, now: float | None = None) -> None:
    """Store this process's percentiles (count, p50, p95, p99 in ms) and list it in the index."""
    name, at = process or process_name(), time.time() if now is None else now
    cache.set(PREFIX + name, {**stats, "at": at}, TTL_SECONDS)
    index = cache.get(INDEX_KEY) or {}
    index = {p: t for p, t in index.items() if at - t < TTL_SECONDS} | {name: at}
    cache.set(INDEX_KEY, index, None)


def maybe_publish(stats: Any) -> None:
    """``publish(stats())`` at most every ``PUBLISH_SECONDS`` per process (``stats`` is only called then)."""
    global _last_published
    now = time.monotonic()
    if now - _last_published >= PUBLISH_SECONDS:
        _last_published = now
        publish(stats())


def published() -> dict[str, dict[str, Any]]:
    """``{process: {"count", "p50", "p95", "p99", "at"}}`` of every process that published lately."""
    index = cache.get(INDEX_KEY) or {}
    found = cache.get_many([PREFIX + p for p in index])
    return {key.removeprefix(PREFIX): value for key, value in found.items()}
