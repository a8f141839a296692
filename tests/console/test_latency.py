from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from django.test import Client

from console import latency
from console.health.checks import request_latency


@pytest.fixture(autouse=True)
def empty_window() -> Iterator[None]:
    latency.reset()
    yield
    latency.reset()


def test_percentiles_of_one_to_hundred_match_hand_computation_and_numpy() -> None:
    for value in range(1, 101):
        latency.record(float(value))
    stats = latency.percentiles()
    # Linear interpolation on the 0-based rank q*(n-1): P50 -> rank 49.5 between 50 and 51,
    # P95 -> rank 94.05 between 95 and 96, P99 -> rank 98.01 between 99 and 100.
    assert stats == {
        "count": 100,
        "p50": pytest.approx(50.5),
        "p95": pytest.approx(95.05),
        "p99": pytest.approx(99.01),
    }
    reference = np.percentile(np.arange(1, 101, dtype=float), [50, 95, 99])
    assert [stats["p50"], stats["p95"], stats["p99"]] == pytest.approx(reference.tolist())


def test_percentiles_of_a_skewed_small_sample() -> None:
    for value in (40.0, 10.0, 30.0, 20.0, 1000.0):
        latency.record(value)
    stats = latency.percentiles()
    # sorted 10, 20, 30, 40, 1000: P50 is the middle value; P95 rank 3.8 -> 40 + 0.8*960 = 808;
    # P99 rank 3.96 -> 40 + 0.96*960 = 961.6.
    assert stats["p50"] == pytest.approx(30.0)
    assert stats["p95"] == pytest.approx(808.0)
    assert stats["p99"] == pytest.approx(961.6)


def test_an_empty_window_reports_no_percentiles() -> None:
    assert latency.percentiles() == {"count": 0, "p50": None, "p95": None, "p99": None}
    assert request_latency().status == "unknown"


def test_the_window_keeps_only_the_most_recent_samples() -> None:
    for value in range(latency.WINDOW + 500):
        latency.record(float(value))
    stats = latency.percentiles()
    assert stats["count"] == latency.WINDOW
    assert stats["p50"] == pytest.approx(500 + (latency.WINDOW - 1) / 2)
    assert latency.recent(3) == [
        float(latency.WINDOW + 497),
        float(latency.WINDOW + 498),
        float(latency.WINDOW + 499),
    ]
    assert latency.recent(0) == []


def test_the_latency_check_reports_rounded_percentiles() -> None:
    for value in range(1, 101):
        latency.record(float(value))
    result = request_latency()
    assert result.status == "ok"
    assert dict(result.details) == {
        "Requests (window)": 100,
        "P50 (ms)": 50.5,
        "P95 (ms)": 95.0,
        "P99 (ms)": 99.0,
    }
    for _ in range(6):
        latency.record(60_000.0)
    # 106 samples: P95 rank 99.75 lies between 100 ms and the first one-minute request.
    assert request_latency().status == "warn"
    assert latency.percentiles()["p95"] == pytest.approx(100.0 + 0.75 * 59_900.0)


def test_the_middleware_records_pages_but_not_static_files_or_monitoring(client: Client) -> None:
    client.get("/")  # anonymous: a redirect to the login page, still a timed request
    client.get("/accounts/login/")
    client.get("/static/console/console.css")
    client.get("/healthz")
    client.get("/health/")
    assert latency.percentiles()["count"] == 2
    assert all(value >= 0 for value in latency.recent())
