from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from tests.factories import TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified

pytestmark = pytest.mark.django_db


def test_admin_site_is_otp_protected():
    assert isinstance(admin.site, OTPAdminSite)


def test_anonymous_is_sent_to_the_console_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/login/?next=/admin/"
    login = client.get(response["Location"])
    # LoginRequiredMiddleware answers first; after the password (and 2FA step) the admin login
    # page forwards verified staff to ?next.
    assert login.status_code == 302
    assert login["Location"] == f"{reverse('account_login')}?next=/admin/login/%3Fnext%3D/admin/"


def test_admin_login_forwards_verified_staff_to_next(client):
    staff = TOTPDeviceFactory(user=UserFactory(is_staff=True))
    login_verified(client, staff)
    response = client.get("/admin/login/?next=/admin/quant/strategy/")
    assert response.status_code == 302 and response["Location"] == "/admin/quant/strategy/"
    evil = client.get("/admin/login/?next=https://evil.example/")
    assert evil["Location"] == "/admin/"


def test_staff_without_verified_2fa_is_refused(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "needs a staff account with verified 2FA" in response.content.decode()


def test_verified_staff_uses_admin_and_verified_non_staff_does_not(client):
    staff = TOTPDeviceFactory(user=UserFactory(is_staff=True, is_superuser=True))
    login_verified(client, staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/quant/accesslog/").status_code == 200
    assert client.get("/admin/quant/accesslog/add/").status_code == 403  # read-only
    plain = TOTPDeviceFactory(user=UserFactory())
    login_verified(client, plain)
    assert client.get("/admin/", follow=True).status_code == 403
