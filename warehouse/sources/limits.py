"""Request pacing and retries for external sources (WRDS, yfinance): a per-minute cap and bounded backoff.

Both take an injectable clock and sleep so tests can check the timing without waiting a minute.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

logger = logging.getLogger("quantdesk.sources.wrds")

T = TypeVar("T")
WINDOW_SECONDS = 60.0


class RateLimiter:
    """At most ``per_minute`` calls in any sliding 60-second window (``per_minute <= 0``: unlimited)."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._calls: deque[float] = deque()
        self.waited = 0.0

    def acquire(self) -> float:
        """Block until a call is allowed; return how long this call waited (seconds)."""
        if self.per_minute <= 0:
            return 0.0
        waited = 0.0
        while True:
            now = self._clock()
            while self._calls and now - self._calls[0] >= WINDOW_SECONDS:
                self._calls.popleft()
            if len(self._calls) < self.per_minute:
                self._calls.append(now)
                self.waited += waited
                return waited
            delay = WINDOW_SECONDS - (now - self._calls[0])
            logger.info("WRDS query cap of %d/minute reached; waiting %.1f s.", self.per_minute, delay)
            self._sleep(delay)
            waited += delay


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base * 2**attempt`` seconds, capped at ``cap``, at most ``retries`` retries."""

    retries: int = 4
    base: float = 1.0
    cap: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.cap, self.base * (2**attempt))


def is_transient(exc: BaseException) -> bool:
    """Connection-level failures worth retrying (not SQL errors, which would fail again)."""
    import psycopg2
    import sqlalchemy.exc

    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        return isinstance(exc.orig, psycopg2.OperationalError)
    return isinstance(exc, psycopg2.OperationalError | ConnectionResetError | ConnectionAbortedError | TimeoutError)


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[BaseException], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    what: str = "WRDS query",
) -> T:
    """Run ``call``; on a transient error sleep with backoff, run ``on_retry`` (reconnect), try again."""
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            if not is_transient(exc) or attempt >= policy.retries:
                raise
            delay = policy.delay(attempt)
            logger.warning(
                "%s failed with a transient error (%s: %s); retry %d/%d in %.1f s.",
                what, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "", attempt + 1,
                policy.retries, delay,
            )  # fmt: skip
            sleep(delay)
            if on_retry is not None:
                on_retry(exc)
            attempt += 1
