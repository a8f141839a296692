"""Security behaviour seen from the console: sessions, CSRF, controls."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quant.models import Strategy
from tests.factories import TEST_PASSWORD, StrategyFactory, TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified

pytestmark = pytest.mark.django_db


def test_session_expires_after_session_cookie_age(client, settings):
    settings.SESSION_COOKIE_AGE = 120
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert abs((session.expire_date - timezone.now()).total_seconds() - 120) < 5
    assert client.get(reverse("console:home")).status_code == 200
    # 121 seconds of inactivity later the server no longer knows the session
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("quant:strategy_list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/quant/strategies/"


def test_post_without_csrf_token_is_refused_by_custom_page_and_logged(caplog):
    device = TOTPDeviceFactory(user=UserFactory(role="operator"))
    strategy = StrategyFactory(owner=device.user)
    client = login_verified(Client(enforce_csrf_checks=True), device)
    with caplog.at_level(logging.WARNING, logger="quantdesk.security"):
        response = client.post(reverse("quant:strategy_halt", args=[strategy.pk]), {"step_up_reason": "x"})
    assert response.status_code == 403
    assert "Request refused (CSRF check failed)" in response.content.decode()
    assert any(
        r.getMessage().startswith(f"CSRF failure: POST /quant/strategies/{strategy.pk}/halt/ user={device.user.pk}")
        for r in caplog.records
    )
    strategy.refresh_from_db()
    assert strategy.status == Strategy.Status.ACTIVE


def test_viewer_posting_a_control_gets_403_and_is_logged(client, caplog):
    device = TOTPDeviceFactory(user=UserFactory(role="viewer"))
    strategy = StrategyFactory(owner=device.user)
    login_verified(client, device)
    with caplog.at_level(logging.WARNING, logger="quantdesk.security"):
        response = client.post(reverse("quant:strategy_halt", args=[strategy.pk]))
    assert response.status_code == 403
    assert any(
        "control refused (permission)" in r.getMessage() and "perm=quant.use_controls" in r.getMessage()
        for r in caplog.records
    )
    strategy.refresh_from_db()
    assert strategy.status == Strategy.Status.ACTIVE


def test_operator_without_enrolment_gets_403_with_enrol_message(client):
    user = UserFactory(role="operator")
    strategy = StrategyFactory(owner=user)
    client.force_login(user)
    response = client.post(reverse("quant:strategy_halt", args=[strategy.pk]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "Enrol two-factor authentication first" in body
    assert f'href="{reverse("account_profile")}"' in body and "<html" in body


def test_enrolled_operator_whose_session_skipped_2fa_is_refused(client):
    device = TOTPDeviceFactory(user=UserFactory(role="operator"))
    strategy = StrategyFactory(owner=device.user)
    client.force_login(device.user)  # password only; the middleware would normally redirect
    response = client.post(reverse("quant:strategy_halt", args=[strategy.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify"))


def test_logout_needs_post_and_ends_the_verified_session(client):
    device = TOTPDeviceFactory()
    login_verified(client, device)
    assert client.get(reverse("console:home")).status_code == 200
    client.post(reverse("account_logout"))
    response = client.get(reverse("console:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_page_view_does_not_write_the_session_row_until_a_minute_has_passed(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory(role="viewer")
    assert client.post(reverse("account_login"), {"login": user.username, "password": TEST_PASSWORD}).status_code == 302
    client.get(reverse("console:home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("console:home")).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert writes == []  # was: UPDATE django_session on every request (and a lock queue per session)
    # a minute later the next request slides the expiry forward
    from quant.accounts.middleware import SESSION_TOUCHED_KEY

    key = client.cookies["sessionid"].value
    session = Session.objects.get(session_key=key)
    data = session.get_decoded()
    data[SESSION_TOUCHED_KEY] -= 61
    Session.objects.filter(pk=key).update(
        session_data=Session.objects.encode(data), expire_date=timezone.now() + timedelta(seconds=30)
    )
    assert client.get(reverse("console:home")).status_code == 200
    expires = Session.objects.get(session_key=key).expire_date
    assert (expires - timezone.now()).total_seconds() > 3600
