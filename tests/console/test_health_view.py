from __future__ import annotations

import threading
import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from console.health.registry import CheckResult, register_check, unregister_check

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
    assert [item.label for item, _url in nav["Operations"]] == ["Health", "Jobs"]
    assert dict((item.label, url) for item, url in nav["Operations"])["Health"] == "/health/"
