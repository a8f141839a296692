"""The default cache: Redis, falling back to a table in the database while Redis is unreachable.

Login throttling (allauth's and ``quant.ratelimit``'s), OTP failure counters and the ping probe live
in the cache. With plain ``RedisCache`` a Redis outage turned every login into a 500; with this
backend each call that cannot reach Redis (short connect/read timeouts) is served by the database
cache ``quant_cache`` instead and logged, so throttling keeps working (counters restart in the
fallback; they are per-window anyway). Calls go back to Redis as soon as it answers again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("quantdesk.cache")
FALLBACK_TABLE = "quant_cache"
RETRY_AFTER_SECONDS = 5.0  # after a failure, skip Redis this long (no connect timeout per call)
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


class RedisWithDatabaseFallback(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 2)
        super().__init__(server, params)
        self._fallback = DatabaseCache(FALLBACK_TABLE, {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except _UNREACHABLE as exc:
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
                logger.error("cache: Redis unreachable (%s: %s); using the database cache", type(exc).__name__, exc)
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._call("clear")
