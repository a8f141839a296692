"""Admin → Users and API keys: every change goes through a service, is audited with before/after,
and the privilege rules hold (admin grants need a fresh code; superusers are out of reach)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import get_perms

from console.models import ApiKey, PasswordChangeRequired
from quant.models import AccessLog
from tests.factories import TEST_PASSWORD, StrategyFactory, TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified, totp_code

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin():
    device = TOTPDeviceFactory(user=UserFactory(username="root-admin", role="admin", is_staff=True))
    return login_verified(Client(), device), device


def controls(name: str):
    return AccessLog.objects.filter(action="control", name=name)


def test_users_page_lists_users_full_page_and_fragment(admin, django_assert_max_num_queries):
    client, _ = admin
    UserFactory(username="vera", role="viewer")
    with django_assert_max_num_queries(20):
        page = client.get(reverse("console:users"))
    body = page.content.decode()
    assert page.status_code == 200 and body.lstrip().startswith("<!doctype html") and "vera" in body
    fragment = client.get(reverse("console:users") + "?q=ver", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="console-users">')
    assert "vera" in fragment and "root-admin" not in fragment


def test_create_user_shows_the_password_once_and_requires_a_new_one(admin):
    client, _ = admin
    form = {"username": "nina", "email": "nina@example.com", "role": "researcher", "reason": "new hire"}
    response = client.post(reverse("console:user_create"), form)
    assert response.status_code == 200
    nina = User.objects.get(username="nina")
    assert list(nina.groups.values_list("name", flat=True)) == ["researcher"]
    secret = response.context["created"].temporary_password
    assert len(secret) >= 16 and secret in response.content.decode() and nina.check_password(secret)
    log = controls("auth.user_create").get()
    assert (log.object_id, log.username) == (str(nina.pk), "root-admin")
    assert log.reason == "new hire | created with role researcher"
    # nina signs in: every page sends her to the password page until she changes it
    other = Client()
    other.force_login(nina)
    assert other.get(reverse("console:jobs"))["Location"] == reverse("account_change_password")
    assert other.get(reverse("account_change_password")).status_code == 200
    nina.set_password("a-brand-new-password-42")
    nina.save()
    other.force_login(nina)
    assert other.get(reverse("console:jobs")).status_code == 200
    assert not PasswordChangeRequired.objects.filter(user=nina).exists()


def test_duplicate_or_admin_creation_is_refused_with_one_line(admin):
    client, _ = admin
    UserFactory(username="dup")
    response = client.post(reverse("console:user_create"), {"username": "DUP", "role": "", "reason": "x"})
    assert response.status_code == 400 and "A user named &#x27;DUP&#x27; already exists." in response.content.decode()
    response = client.post(reverse("console:user_create"), {"username": "boss", "role": "admin", "reason": "x"})
    assert response.status_code == 400 and not User.objects.filter(username="boss").exists()


def test_role_and_grants_on_one_form_audited_before_after(admin):
    client, _ = admin
    vera = UserFactory(username="vera", role="viewer")
    value, growth = StrategyFactory(name="Value"), StrategyFactory(name="Growth")
    response = client.post(reverse("console:user_access", args=[vera.username]),
                           {"role": "operator", f"grant_{value.pk}": ["view_strategy", "trade_strategy"],
                            f"grant_{growth.pk}": [], "reason": "joins the desk"})  # fmt: skip
    assert response.status_code == 302
    assert list(vera.groups.values_list("name", flat=True)) == ["operator"]
    assert sorted(get_perms(vera, value)) == ["trade_strategy", "view_strategy"] and get_perms(vera, growth) == []
    reasons = sorted(controls("auth.change_access").values_list("reason", flat=True))
    assert reasons == ["joins the desk | role viewer -> operator",
                       f"joins the desk | strategy Value (#{value.pk}): none -> view,trade"]  # fmt: skip
    # change implies view; removing all takes everything away
    client.post(reverse("console:user_access", args=[vera.username]),
                {"role": "operator", f"grant_{value.pk}": ["change_strategy"], "reason": "no trading"})  # fmt: skip
    assert sorted(get_perms(vera, value)) == ["change_strategy", "view_strategy"]
    assert controls("auth.change_access").filter(reason__endswith="view,trade -> view,change").exists()


def test_granting_admin_needs_a_fresh_code_and_a_reason(admin):
    client, device = admin
    vera = UserFactory(username="vera", role="operator")
    url = reverse("console:user_access", args=[vera.username])
    asked = client.post(url, {"role": "admin", "reason": "promotion"})
    assert asked.status_code == 200 and b"step_up_token" in asked.content
    assert list(vera.groups.values_list("name", flat=True)) == ["operator"]
    wrong = client.post(url, {"role": "admin", "reason": "promotion", "step_up_token": "000000", "step_up_reason": "p"})
    assert b"not valid" in wrong.content and not vera.groups.filter(name="admin").exists()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp's back-off after the wrong code
    done = client.post(url, {"role": "admin", "step_up_token": totp_code(device), "step_up_reason": "runs the desk"})
    assert done.status_code == 302 and list(vera.groups.values_list("name", flat=True)) == ["admin"]
    log = controls("auth.grant_admin_role").get()
    assert log.reason == "runs the desk | role operator -> admin" and log.object_id == str(vera.pk)
    assert controls("auth.user_access").filter(reason="runs the desk").exists()  # the step-up's own row


def test_only_superusers_touch_superusers(admin):
    client, _ = admin
    boss = UserFactory(username="boss", is_superuser=True)
    response = client.post(reverse("console:user_action", args=[boss.username, "force-password"]), {"reason": "x"})
    assert response.status_code == 302
    assert not PasswordChangeRequired.objects.filter(user=boss).exists()
    page = client.get(reverse("console:user_detail", args=[boss.username]))
    assert "Only a superuser can change a superuser account." in page.content.decode()  # the message toast
    assert "is_superuser" not in page.content.decode()  # no superuser checkbox for a non-superuser


def test_disable_and_reset_2fa_need_a_code_then_act_and_are_audited(admin):
    client, device = admin
    vera = TOTPDeviceFactory(user=UserFactory(username="vera", role="viewer")).user
    url = reverse("console:user_action", args=[vera.username, "disable"])
    assert b"step_up_token" in client.post(url).content
    vera.refresh_from_db()
    assert vera.is_active
    client.post(url, {"step_up_token": totp_code(device), "step_up_reason": "left the firm"})
    vera.refresh_from_db()
    assert not vera.is_active
    assert controls("auth.user_disable").get().reason == "left the firm | active True -> False"
    assert not Client().login(username="vera", password=TEST_PASSWORD)  # a disabled user cannot sign in
    reset = reverse("console:user_action", args=[vera.username, "reset-2fa"])
    client.post(reset, {"step_up_token": totp_code(device, steps_ahead=1), "step_up_reason": "lost phone"})
    assert not TOTPDevice.objects.filter(user=vera).exists()
    assert controls("auth.2fa_reset").get().reason == "lost phone | enrolled True -> False (1 device(s) removed)"
    client.post(reverse("console:user_action", args=[vera.username, "enable"]), {"reason": "back"})
    vera.refresh_from_db()
    assert vera.is_active and controls("auth.user_enable").get().reason == "back | active False -> True"


def test_an_admin_cannot_disable_themselves(admin):
    client, device = admin
    me = device.user
    client.post(reverse("console:user_action", args=[me.username, "disable"]),
                {"step_up_token": totp_code(device), "step_up_reason": "oops"})  # fmt: skip
    me.refresh_from_db()
    assert me.is_active and not controls("auth.user_disable").exists()


def test_api_key_issued_once_listed_and_revoked(admin):
    client, _ = admin
    vera = UserFactory(username="vera", role="viewer")
    expires = timezone.now().date() + dt.timedelta(days=30)
    form = {"user": vera.pk, "name": "dashboard", "scopes": ["read_pnl"], "expires_on": expires.isoformat(),
            "reason": "risk screen"}  # fmt: skip
    response = client.post(reverse("console:api_key_create"), form)
    secret = response.context["issued"].secret
    key = ApiKey.objects.get(user=vera)
    assert key.is_valid(secret) and secret not in key.hashed_key and key.scopes == ["read_pnl"]
    assert key.expiry_date.date() == expires and key.created_by.username == "root-admin"
    listing = client.get(reverse("console:api_keys")).content.decode()
    assert key.prefix in listing and secret not in listing  # shown once
    assert Client().get(reverse("api:strategies"), HTTP_AUTHORIZATION=f"Api-Key {secret}").status_code == 200
    client.post(reverse("console:api_key_revoke", args=[key.prefix]), {"reason": "laptop stolen"})
    key.refresh_from_db()
    assert key.revoked and key.revoked_at is not None
    assert Client().get(reverse("api:strategies"), HTTP_AUTHORIZATION=f"Api-Key {secret}").status_code == 401
    assert controls("api.key_revoke").get().reason == f"laptop stolen | key {key.prefix} active -> revoked"


def test_api_key_form_refuses_past_dates_and_no_scope(admin):
    client, _ = admin
    vera = UserFactory(username="vera")
    response = client.post(reverse("console:api_key_create"),
                           {"user": vera.pk, "name": "x", "expires_on": "2020-01-01", "reason": "r"})  # fmt: skip
    assert response.status_code == 400 and "Choose a date after today." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_pages_are_admin_only(client):
    for role in ("viewer", "operator"):
        login_verified(client, TOTPDeviceFactory(user=UserFactory(role=role)))
        assert client.get(reverse("console:users")).status_code == 403
        assert client.get(reverse("console:api_keys")).status_code == 403
        assert client.post(reverse("console:user_create"), {"username": "x", "reason": "y"}).status_code == 403
    assert not User.objects.filter(username="x").exists()


def test_disabling_ends_the_users_open_session(admin):
    client, device = admin
    vera = UserFactory(username="vera", role="viewer")
    theirs = Client()
    theirs.force_login(vera)
    assert theirs.get(reverse("quant:strategy_list")).status_code == 200
    client.post(reverse("console:user_action", args=[vera.username, "disable"]),
                {"step_up_token": totp_code(device), "step_up_reason": "left"})  # fmt: skip
    response = theirs.get(reverse("quant:strategy_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_superuser_grants_superuser_with_a_code_and_it_is_logged():
    device = TOTPDeviceFactory(user=UserFactory(username="root", role="admin", is_superuser=True))
    client = login_verified(Client(), device)
    vera = UserFactory(username="vera", role="operator")
    url = reverse("console:user_access", args=[vera.username])
    assert 'name="is_superuser"' in client.get(reverse("console:user_detail", args=[vera.username])).content.decode()
    assert b"step_up_token" in client.post(url, {"role": "operator", "is_superuser": "on", "reason": "x"}).content
    vera.refresh_from_db()
    assert not vera.is_superuser
    client.post(url, {"role": "operator", "is_superuser": "on", "step_up_token": totp_code(device),
                      "step_up_reason": "break-glass"})  # fmt: skip
    vera.refresh_from_db()
    assert vera.is_superuser
    assert controls("auth.grant_superuser").get().reason == "break-glass | superuser False -> True"
    # removing it needs no code (it takes power away) but is logged too
    client.post(url, {"role": "operator", "reason": "over"})
    vera.refresh_from_db()
    assert not vera.is_superuser
    assert controls("auth.change_access").get().reason == "over | superuser True -> False"
