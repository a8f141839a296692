from __future__ import annotations

from collections.abc import Iterator

import pytest

from quant.web import health
from quant.web.health import CheckResult, HealthCheck, overall_status, run_checks


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(health, "_REGISTRY", {})
    yield


def test_checks_are_listed_by_order_then_name(isolated_registry: None) -> None:
    health.register_check("Warehouse", lambda: CheckResult("ok", "fine"), order=60)
    health.register_check("Beta", lambda: CheckResult("ok", "fine"), order=10)
    health.register_check("Alpha", lambda: CheckResult("ok", "fine"), order=10)
    assert [c.name for c in health.registered_checks()] == ["Alpha", "Beta", "Warehouse"]


def test_registering_a_name_again_replaces_the_check(isolated_registry: None) -> None:
    health.register_check("Warehouse", lambda: CheckResult("bad", "old"), order=60)
    health.register_check("Warehouse", lambda: CheckResult("ok", "new"), order=60)
    [outcome] = run_checks()
    assert outcome.result == CheckResult("ok", "new")


def test_rejects_unknown_status_and_non_positive_timeout() -> None:
    with pytest.raises(ValueError, match="Unknown health status"):
        CheckResult("green", "nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout must be positive"):
        health.register_check("x", lambda: CheckResult("ok", ""), timeout=0)


def test_run_checks_turns_exceptions_and_wrong_return_types_into_bad() -> None:
    def raises() -> CheckResult:
        raise ConnectionError("broker gone")

    outcomes = run_checks(
        [
            HealthCheck("raises", raises),
            HealthCheck("wrong type", lambda: {"status": "ok"}),  # type: ignore[arg-type, return-value]
            HealthCheck("fine", lambda: CheckResult("warn", "slow", {"ms": 12.5})),
        ]
    )
    by_name = {o.name: o.result for o in outcomes}
    assert by_name["raises"] == CheckResult("bad", "ConnectionError: broker gone")
    assert by_name["wrong type"].status == "bad"
    assert "returned dict, not CheckResult" in by_name["wrong type"].summary
    assert by_name["fine"] == CheckResult("warn", "slow", {"ms": 12.5})
    assert [o.name for o in outcomes] == ["raises", "wrong type", "fine"]


def test_checks_run_concurrently_within_their_deadline() -> None:
    import time

    def slow() -> CheckResult:
        time.sleep(0.4)
        return CheckResult("ok", "done")

    started = time.perf_counter()
    outcomes = run_checks([HealthCheck(f"slow {i}", slow, timeout=3) for i in range(4)])
    elapsed = time.perf_counter() - started
    assert [o.result.status for o in outcomes] == ["ok"] * 4
    assert all(o.elapsed_ms >= 400 for o in outcomes)
    assert elapsed < 1.4  # four 0.4 s checks in parallel, not 1.6 s in series


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["ok", "ok"], "ok"),
        (["ok", "unknown"], "ok"),
        (["unknown", "unknown"], "unknown"),
        (["unknown", "warn", "ok"], "warn"),
        (["warn", "bad", "unknown"], "bad"),
        ([], "unknown"),
    ],
)
def test_overall_status_is_the_worst(statuses: list[health.Status], expected: str) -> None:
    assert overall_status(statuses) == expected
