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
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.db import connections

logger = logging.getLogger("quantdesk.health")

Status = Literal["ok", "warn", "bad", "unknown"]
STATUSES: tuple[Status, ...] = ("ok", "warn", "bad", "unknown")
DEFAULT_TIMEOUT_SECONDS = 3.0

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
) -> None:
    """Add (or replace, by name) a check. Lower ``order`` shows first; ``timeout`` is in seconds."""
    if timeout <= 0:
        raise ValueError(f"Health check {name!r}: timeout must be positive, got {timeout}.")
    with _REGISTRY_LOCK:
        _REGISTRY[name] = HealthCheck(name=name, fn=fn, order=order, timeout=timeout)


def unregister_check(name: str) -> None:
    with _REGISTRY_LOCK:
        _REGISTRY.pop(name, None)


def registered_checks() -> list[HealthCheck]:
    with _REGISTRY_LOCK:
        return sorted(_REGISTRY.values(), key=lambda c: (c.order, c.name))


class _Runner(threading.Thread):
    def __init__(self, check: HealthCheck) -> None:
        super().__init__(name=f"health-{check.name}", daemon=True)
        self.check = check
        self.result: CheckResult | None = None
        self.elapsed_ms = 0.0

    def run(self) -> None:
        started = time.perf_counter()
        try:
            value = self.check.fn()
            if not isinstance(value, CheckResult):
                raise TypeError(f"returned {type(value).__name__}, not CheckResult")
            self.result = value
        except Exception as exc:  # a broken check is a red card, never a 500
            logger.warning("Health check %r raised", self.check.name, exc_info=True)
            self.result = CheckResult("bad", f"{type(exc).__name__}: {exc}")
        finally:
            self.elapsed_ms = (time.perf_counter() - started) * 1000.0
            # Each runner thread opens its own DB connection (thread-local); don't leak it.
            connections.close_all()


def run_checks(checks: list[HealthCheck] | None = None) -> list[CheckOutcome]:
    """Run checks concurrently; each gets ``check.timeout`` seconds from the common start."""
    selected = registered_checks() if checks is None else checks
    runners = [_Runner(check) for check in selected]
    started = time.perf_counter()
    for runner in runners:
        runner.start()
    outcomes: list[CheckOutcome] = []
    for runner in runners:
        remaining = runner.check.timeout - (time.perf_counter() - started)
        runner.join(max(remaining, 0.0))
        result = runner.result
        if runner.is_alive() or result is None:
            result = CheckResult("bad", f"No answer within {runner.check.timeout:g} s")
            outcomes.append(CheckOutcome(runner.check.name, result, runner.check.timeout * 1000.0))
        else:
            outcomes.append(CheckOutcome(runner.check.name, result, runner.elapsed_ms))
    return outcomes


# "unknown" means not configured or no data yet (Redis in embedded mode, no beat schedules): it
# does not make an otherwise healthy system look unhealthy, and is the answer only when nothing
# else is known.
_SEVERITY: dict[Status, int] = {"unknown": 0, "ok": 1, "warn": 2, "bad": 3}


def overall_status(statuses: Iterable[Status]) -> Status:
    """The worst known status: bad > warn > ok; "unknown" only if every check is unknown (or none)."""
    return max(statuses, key=_SEVERITY.__getitem__, default="unknown")
