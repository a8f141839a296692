"""The access log records views once (not per htmx poll or tile) and authentication events."""

from __future__ import annotations

import pytest
from django.urls import reverse

from quant.models import AccessLog
from tests.factories import TEST_PASSWORD, TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified, totp_code

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_polling_a_fragment_writes_no_row_after_the_page_view(client):
    client.force_login(UserFactory(role="admin"))
    url = reverse("console:jobs")
    assert client.get(url).status_code == 200
    for _ in range(30):  # one minute of the 2-second poll
        assert client.get(url, headers=HX).status_code == 200
    assert AccessLog.objects.filter(name="jobs.list").count() == 1
    # a filter is a new view of other data: recorded once, then its polls are not
    for _ in range(5):
        client.get(url, {"status": "failed"}, headers=HX)
    assert list(AccessLog.objects.filter(name="jobs.list").values_list("path", flat=True)) == [
        "/jobs/?status=failed",
        "/jobs/",
    ]
    # opening the page again (a new tab, a reload) is a new view
    client.get(url)
    assert AccessLog.objects.filter(name="jobs.list").count() == 3


def test_dashboard_tiles_are_part_of_the_page_view(client):
    client.force_login(UserFactory(role="admin"))
    client.get(reverse("risk:dashboard"))
    for name in ("summary", "bias"):
        client.get(reverse("risk:tile", args=[name]), headers=HX)
    client.get(reverse("risk:runs"), headers=HX)
    assert list(AccessLog.objects.values_list("name", flat=True)) == ["risk.dashboard"]
    client.get(reverse("risk:tile", args=["bias"]))  # opened on its own in a new tab: a view
    assert AccessLog.objects.filter(name="risk.dashboard.tile").count() == 1


def test_login_logout_and_failed_login_are_recorded(client):
    user = UserFactory(username="carol")
    client.post(reverse("account_login"), {"login": "carol", "password": "wrong-password-123"})
    client.post(reverse("account_login"), {"login": "carol", "password": TEST_PASSWORD})
    client.post(reverse("account_logout"))
    rows = list(AccessLog.objects.order_by("id").values_list("action", "name", "username", "reason"))
    assert rows == [
        ("auth", "auth.login_failed", "", "tried: carol"),
        ("auth", "auth.login", "carol", ""),
        ("auth", "auth.logout", "carol", ""),
    ]
    assert AccessLog.objects.get(name="auth.login").object_id == str(user.pk)
    assert "wrong-password" not in str(list(AccessLog.objects.values()))


def test_2fa_enrolment_and_disable_are_recorded(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("account_totp_start"))
    device = user.totpdevice_set.get()
    client.post(reverse("account_totp_confirm"), {"otp_token": totp_code(device)})
    assert AccessLog.objects.filter(action="auth", name="auth.2fa_enrolled", user=user).count() == 1

    device = TOTPDeviceFactory()
    login_verified(client, device)
    client.post(reverse("account_2fa_disable"), {"step_up_token": totp_code(device), "step_up_reason": "new phone"})
    assert AccessLog.objects.filter(action="auth", name="auth.2fa_disabled", user=device.user).count() == 1
