from __future__ import annotations

import threading
import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from quant.web.health import CheckResult, register_check, unregister_check

pytestmark = pytest.mark.django_db


def test_full_page_has_layout_and_every_core_card(staff_client: Client) -> None:
    response = staff_client.get(reverse("console:health"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "<h1>System health</h1>" in html
    assert 'id="console-health"' in html
    assert 'hx-trigger="every 5s"' in html and 'hx-swap="outerHTML"' in html
    for name in ("Database", "Redis", "Celery workers", "Queues", "Beat", "Request latency"):
        assert f'data-check="{name}"' in html
    assert "HX-Request" in response["Vary"]


def test_htmx_request_returns_only_the_cards_fragment(staff_client: Client) -> None:
    response = staff_client.get(reverse("console:health"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<section id="console-health"')
    assert html.endswith("</section>")
    assert "<html" not in html and "<h1>" not in html and "topbar" not in html
    assert 'data-check="Database"' in html


def test_boosted_or_history_restore_requests_get_the_full_page(staff_client: Client) -> None:
    url = reverse("console:health")
    boosted = staff_client.get(url, headers={"HX-Request": "true", "HX-Boosted": "true"})
    restore = staff_client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in boosted.content.decode()
    assert "<html" in restore.content.decode()


def test_a_check_that_raises_renders_bad_not_500(staff_client: Client) -> None:
    def broken() -> CheckResult:
        raise ZeroDivisionError("division by zero in the test check")

    register_check("Broken test check", broken, order=1)
    try:
        response = staff_client.get(reverse("console:health"), headers={"HX-Request": "true"})
    finally:
        unregister_check("Broken test check")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-check="Broken test check" data-status="bad"' in html
    assert "ZeroDivisionError: division by zero in the test check" in html
    assert 'data-overall="bad"' in html


def test_a_hanging_check_times_out_as_bad_without_hanging_the_page(staff_client: Client) -> None:
    release = threading.Event()

    def hangs() -> CheckResult:
        release.wait(30)
        return CheckResult("ok", "too late")

    register_check("Hanging test check", hangs, order=1, timeout=0.3)
    try:
        started = time.perf_counter()
        response = staff_client.get(reverse("console:health"), headers={"HX-Request": "true"})
        elapsed = time.perf_counter() - started
    finally:
        release.set()
        unregister_check("Hanging test check")
    html = response.content.decode()
    assert 'data-check="Hanging test check" data-status="bad"' in html
    assert "No answer within 0.3 s" in html
    assert elapsed < 5.0


@override_settings(REDIS_URL="redis://127.0.0.1:1/0", CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_a_dead_redis_shows_red_with_the_error_quickly(staff_client: Client) -> None:
    started = time.perf_counter()
    response = staff_client.get(reverse("console:health"), headers={"HX-Request": "true"})
    elapsed = time.perf_counter() - started
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("Redis", "Celery workers", "Queues"):
        assert f'data-check="{name}" data-status="bad"' in html
    assert "Connection refused" in html
    assert elapsed < 5.0


def test_health_page_requires_login(client: Client) -> None:
    response = client.get(reverse("console:health"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_liveness_is_anonymous_plain_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert reverse("console:liveness") == "/healthz"
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_health_is_listed_under_operations_in_the_menu(staff_client: Client) -> None:
    response = staff_client.get(reverse("console:home"))
    nav = response.context["nav_areas"]
    # Health and Jobs first; the trading controls (quant) follow them
    assert [item.label for item, _url in nav["Operations"]][:2] == ["Health", "Jobs"]
    assert dict((item.label, url) for item, url in nav["Operations"])["Health"] == "/health/"


# --- no per-request fan-out (issue 12, finding 7) -----------------------------------------------
def _load_health_concurrently(user, count: int) -> list[str]:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections
    from django.test import RequestFactory

    from console.views.health import health

    factory = RequestFactory()

    def load(_: int) -> str:
        request = factory.get("/health/", headers={"HX-Request": "true"})
        request.user = user
        try:
            return health(request).content.decode()
        finally:
            connections.close_all()  # the pool thread's own connection

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(load, range(count)))


def test_concurrent_page_loads_run_every_check_once_not_once_per_request(staff_client: Client) -> None:
    from django.contrib.auth import get_user_model

    calls: list[int] = []

    def counted() -> CheckResult:
        calls.append(threading.get_ident())
        time.sleep(0.3)
        return CheckResult("ok", "counted")

    register_check("Counted test check", counted, order=1)
    try:
        pages = _load_health_concurrently(get_user_model().objects.get(username="ops"), 8)
        assert len(calls) == 1  # single flight: one refresh served all eight requests
        assert all('data-check="Counted test check" data-status="ok"' in page for page in pages)
        # A fresh snapshot is served as is: no check runs for the next page view.
        html = staff_client.get(reverse("console:health"), headers={"HX-Request": "true"}).content.decode()
        assert len(calls) == 1 and "data-age-seconds=" in html
    finally:
        unregister_check("Counted test check")


def test_database_checks_share_the_refreshing_threads_connection() -> None:
    from django.db import connections

    from quant.web.health import registered_checks, run_checks

    seen: list[object] = []

    def uses_db() -> CheckResult:
        seen.append((threading.get_ident(), id(connections["default"])))
        return CheckResult("ok", "db")

    register_check("DB test check A", uses_db, order=1, inline=True)
    register_check("DB test check B", uses_db, order=2, inline=True)
    try:
        inline = [c.name for c in registered_checks() if c.inline]
        assert {"Database", "Beat", "Warehouse", "Data providers"} <= set(inline)
        run_checks([c for c in registered_checks() if c.name.startswith("DB test check")])
    finally:
        unregister_check("DB test check A")
        unregister_check("DB test check B")
    assert seen == [(threading.get_ident(), id(connections["default"]))] * 2


def test_a_stale_snapshot_is_served_at_once_and_refreshed_in_the_background(staff_client: Client) -> None:
    import datetime as dt

    from django.core.cache import cache

    from quant.web import health as registry

    release = threading.Event()
    calls: list[int] = []

    def slow() -> CheckResult:
        calls.append(1)
        release.wait(5)
        return CheckResult("ok", "slow")

    old = registry.HealthSnapshot([], dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60))
    cache.set(registry.SNAPSHOT_KEY, old)
    register_check("Slow test check", slow, order=1, timeout=5.0)
    try:
        started = time.perf_counter()
        html = staff_client.get(reverse("console:health"), headers={"HX-Request": "true"}).content.decode()
        assert time.perf_counter() - started < 0.5  # the stale result, not a 5 s wait on the slow check
        assert 'data-age-seconds="60"' in html
        release.set()
        for _ in range(100):
            if cache.get(registry.SNAPSHOT_KEY).age_seconds < 30:
                break
            time.sleep(0.05)
        assert calls == [1] and cache.get(registry.SNAPSHOT_KEY).age_seconds < 30
    finally:
        release.set()
        unregister_check("Slow test check")


def test_the_refresh_runs_on_beat_from_the_schedule_registry() -> None:
    from quant import schedules

    entry = next(s for s in schedules.registered() if s.task == "quant.health_refresh")
    assert isinstance(entry.when, schedules.Every) and entry.when.seconds <= 30
