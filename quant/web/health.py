"""Health-check registry.

Any app can add a card to the System health page from its ``AppConfig.ready()``::

    from quant.web.health import CheckResult, register_check

    def warehouse_status() -> CheckResult:
        ...
        return CheckResult("ok", "3 datasets, newest 2024-12-31", {"crsp.dsf": "v12"})

    register_check("Warehouse", warehouse_status, order=60)

Checks run concurrently, each in its own daemon thread with a deadline, so one that hangs (a dead
Redis, an unreachable broker) shows as "bad" after its timeout instead of hanging the page. A check
that raises is shown as "bad" with the exception message; it never turns the page into a 500.

**The page never runs the checks per request** (50 concurrent page loads once opened 9 threads and
9 database connections each and exhausted PostgreSQL). `health_snapshot()` serves the last result
from the cache with its age; a beat task (`console.tasks.health_refresh`) refreshes it, and a
request that finds it stale refreshes it in one background thread (stale-while-revalidate). A
refresh is single-flight across processes (a cache lock), so at most one runs at a time. Inside a
refresh, checks registered with ``inline=True`` (the ones that query the database) run one after
another on the refreshing thread's one connection; the others (network probes: Redis, the Celery
ping) run in at most `MAX_CHECK_THREADS` threads, each with its deadline. ``live=True`` checks
(in-process, no I/O: request latency) are computed on every request.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from django.core.cache import cache
from django.db import connections

logger = logging.getLogger("quantdesk.health")

Status = Literal["ok", "warn", "bad", "unknown"]
STATUSES: tuple[Status, ...] = ("ok", "warn", "bad", "unknown")
DEFAULT_TIMEOUT_SECONDS = 3.0
MAX_CHECK_THREADS = 4  # network probes of one refresh running at once
STALE_AFTER_SECONDS = 10.0  # a request finding an older snapshot triggers one background refresh
SNAPSHOT_KEY = "health:snapshot"
REFRESH_LOCK_KEY = "health:refreshing"

DetailValue = str | int | float | None


@dataclass(frozen=True)
class CheckResult:
    """One check's answer: a status, a one-line summary and labelled details shown on the card."""

    status: Status
    summary: str
    details: Mapping[str, DetailValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Unknown health status {self.status!r}; use one of {STATUSES}.")


@dataclass(frozen=True)
class HealthCheck:
    name: str
    fn: Callable[[], CheckResult]
    order: int = 100
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    inline: bool = False  # runs on the refreshing thread (shares its DB connection); no deadline
    live: bool = False  # cheap and in-process: computed on every request, never cached


@dataclass(frozen=True)
class CheckOutcome:
    """A check's result plus how long it took (milliseconds, wall clock)."""

    name: str
    result: CheckResult
    elapsed_ms: float


_REGISTRY: dict[str, HealthCheck] = {}
_REGISTRY_LOCK = threading.Lock()


def register_check(
    name: str,
    fn: Callable[[], CheckResult],
    order: int = 100,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    inline: bool = False,
    live: bool = False,
) -> None:
    """Add (or replace, by name) a check. Lower ``order`` shows first; ``timeout`` is in seconds.

    ``inline``: a check that queries the database runs on the refreshing thread's connection
    (no thread, no extra connection). ``live``: in-process and instant, run on every request.
    """
    if timeout <= 0:
        raise ValueError(f"Health check {name!r}: timeout must be positive, got {timeout}.")
    with _REGISTRY_LOCK:
        _REGISTRY[name] = HealthCheck(name=name, fn=fn, order=order, timeout=timeout, inline=inline, live=live)


def unregister_check(name: str) -> None:
    with _REGISTRY_LOCK:
        _REGISTRY.pop(name, None)


def registered_checks() -> list[HealthCheck]:
    with _REGISTRY_LOCK:
        return sorted(_REGISTRY.values(), key=lambda c: (c.order, c.name))


def _call(check: HealthCheck) -> tuple[CheckResult, float]:
    started = time.perf_counter()
    try:
        value = check.fn()
        if not isinstance(value, CheckResult):
            raise TypeError(f"returned {type(value).__name__}, not CheckResult")
        result = value
    except Exception as exc:  # a broken check is a red card, never a 500
        logger.warning("Health check %r raised", check.name, exc_info=True)
        result = CheckResult("bad", f"{type(exc).__name__}: {exc}")
    return result, (time.perf_counter() - started) * 1000.0


class _Runner(threading.Thread):
    def __init__(self, check: HealthCheck, slots: threading.BoundedSemaphore) -> None:
        super().__init__(name=f"health-{check.name}", daemon=True)
        self.check = check
        self.slots = slots
        self.result: CheckResult | None = None
        self.elapsed_ms = 0.0

    def run(self) -> None:
        with self.slots:
            try:
                self.result, self.elapsed_ms = _call(self.check)
            finally:
                # A threaded check that touched the ORM opened a connection of its own: close it.
                connections.close_all()


def run_checks(checks: list[HealthCheck] | None = None) -> list[CheckOutcome]:
    """Run checks now: network probes in at most `MAX_CHECK_THREADS` threads (each gets
    ``check.timeout`` seconds from the common start), ``inline`` checks one by one on this thread."""
    selected = registered_checks() if checks is None else checks
    slots = threading.BoundedSemaphore(MAX_CHECK_THREADS)
    runners = {check.name: _Runner(check, slots) for check in selected if not (check.inline or check.live)}
    started = time.perf_counter()
    for runner in runners.values():
        runner.start()
    outcomes: dict[str, CheckOutcome] = {}
    for check in selected:
        if check.inline or check.live:
            result, elapsed = _call(check)
            outcomes[check.name] = CheckOutcome(check.name, result, elapsed)
    for name, runner in runners.items():
        remaining = runner.check.timeout - (time.perf_counter() - started)
        runner.join(max(remaining, 0.0))
        answer = runner.result
        if runner.is_alive() or answer is None:
            late = CheckResult("bad", f"No answer within {runner.check.timeout:g} s")
            outcomes[name] = CheckOutcome(name, late, runner.check.timeout * 1000.0)
        else:
            outcomes[name] = CheckOutcome(name, answer, runner.elapsed_ms)
    return [outcomes[check.name] for check in selected]


@dataclass(frozen=True)
class HealthSnapshot:
    """The last refresh: its outcomes and when it finished (UTC)."""

    outcomes: list[CheckOutcome]
    checked_at: dt.datetime

    @property
    def age_seconds(self) -> float:
        return max((dt.datetime.now(dt.UTC) - self.checked_at).total_seconds(), 0.0)


def refresh_snapshot() -> HealthSnapshot | None:
    """Run the cached checks and store the result; None when another refresh holds the lock."""
    lock_seconds = max((c.timeout for c in registered_checks()), default=DEFAULT_TIMEOUT_SECONDS) + 30
    if not cache.add(REFRESH_LOCK_KEY, "1", timeout=lock_seconds):
        return None
    try:
        snapshot = HealthSnapshot(run_checks([c for c in registered_checks() if not c.live]), dt.datetime.now(dt.UTC))
        cache.set(SNAPSHOT_KEY, snapshot, timeout=None)
        return snapshot
    finally:
        cache.delete(REFRESH_LOCK_KEY)


def _refresh_in_background() -> None:
    def work() -> None:
        try:
            refresh_snapshot()
        finally:
            connections.close_all()

    threading.Thread(target=work, name="health-refresh", daemon=True).start()


def health_snapshot(*, wait_seconds: float = DEFAULT_TIMEOUT_SECONDS + 1.0) -> HealthSnapshot:
    """The last checks with their age, plus the ``live`` ones computed now.

    Fresh: served as is. Stale: served as is while one background thread refreshes it. None yet:
    one caller refreshes (single flight) and the others wait up to ``wait_seconds`` for its result.
    """
    snapshot: HealthSnapshot | None = cache.get(SNAPSHOT_KEY)
    if snapshot is None:
        snapshot = refresh_snapshot()
        deadline = time.monotonic() + wait_seconds
        while snapshot is None and time.monotonic() < deadline:
            time.sleep(0.05)
            snapshot = cache.get(SNAPSHOT_KEY)
        if snapshot is None:
            waiting = CheckResult("unknown", "checks are running: refresh in a moment")
            snapshot = HealthSnapshot([CheckOutcome("Checks", waiting, 0.0)], dt.datetime.now(dt.UTC))
    elif snapshot.age_seconds > STALE_AFTER_SECONDS and cache.get(REFRESH_LOCK_KEY) is None:
        _refresh_in_background()
    live = [c for c in registered_checks() if c.live]
    if not live:
        return snapshot
    outcomes = {o.name: o for o in snapshot.outcomes}
    outcomes.update({o.name: o for o in run_checks(live)})
    order = {c.name: (c.order, c.name) for c in registered_checks()}
    merged = sorted(outcomes.values(), key=lambda o: order.get(o.name, (0, o.name)))
    return replace(snapshot, outcomes=merged)


# "unknown" means not configured or no data yet (Redis in embedded mode, no beat schedules): it
# does not make an otherwise healthy system look unhealthy, and is the answer only when nothing
# else is known.
_SEVERITY: dict[Status, int] = {"unknown": 0, "ok": 1, "warn": 2, "bad": 3}


def overall_status(statuses: Iterable[Status]) -> Status:
    """The worst known status: bad > warn > ok; "unknown" only if every check is unknown (or none)."""
    return max(statuses, key=_SEVERITY.__getitem__, default="unknown")
