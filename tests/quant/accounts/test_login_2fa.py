from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from quant.accounts import devices
from tests.factories import TEST_PASSWORD, TOTPDeviceFactory, UserFactory
from tests.support.otp import totp_code

pytestmark = pytest.mark.django_db


def _password_login(client, user):
    response = client.post(reverse("account_login"), {"login": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return response


def test_user_without_device_lands_on_console_after_password(client):
    user = UserFactory()
    response = _password_login(client, user)
    assert response["Location"] == reverse("console:home")
    assert client.get(reverse("console:home")).status_code == 200


def test_enrolled_user_is_sent_to_verify_step_until_code_entered(client):
    device = TOTPDeviceFactory(user=UserFactory(role="viewer"))
    _password_login(client, device.user)
    response = client.get(reverse("quant:strategy_list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('otp_verify')}?next=%2Fquant%2Fstrategies%2F"
    # HTMX requests get a client-side redirect instead of a swapped-in login page.
    htmx = client.get(reverse("console:home"), headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith(reverse("otp_verify"))
    # the verify page itself and logout stay reachable
    assert client.get(reverse("otp_verify")).status_code == 200

    response = client.post(reverse("otp_verify"), {"otp_token": totp_code(device), "next": "/quant/strategies/"})
    assert response.status_code == 302 and response["Location"] == "/quant/strategies/"
    assert client.get(reverse("quant:strategy_list")).status_code == 200


def test_wrong_code_shows_error_logs_and_changes_nothing(client, caplog):
    device = TOTPDeviceFactory()
    codes = devices.backup_codes_generate(user=device.user)
    _password_login(client, device.user)
    good = totp_code(device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    with caplog.at_level(logging.WARNING, logger="quantdesk.security"):
        response = client.post(reverse("otp_verify"), {"otp_token": wrong})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert any(
        "OTP login failed" in r.getMessage() and f"user={device.user.pk}" in r.getMessage() for r in caplog.records
    )
    assert client.get(reverse("console:home")).status_code == 302  # still not verified
    assert StaticToken.objects.filter(device__user=device.user).count() == len(codes) == 10
    device.refresh_from_db()
    assert device.last_t == -1  # the real code was not consumed


def test_backup_code_verifies_once(client):
    device = TOTPDeviceFactory()
    code = devices.backup_codes_generate(user=device.user)[3]
    _password_login(client, device.user)
    assert client.post(reverse("otp_verify"), {"otp_token": code.upper()}).status_code == 302
    assert client.get(reverse("console:home")).status_code == 200
    assert StaticToken.objects.filter(device__user=device.user).count() == 9
    client.post(reverse("account_logout"))
    _password_login(client, device.user)
    again = client.post(reverse("otp_verify"), {"otp_token": code})
    assert again.status_code == 200 and "not valid" in again.content.decode()


def test_verification_is_throttled_after_five_failures(client):
    device = TOTPDeviceFactory()
    _password_login(client, device.user)
    for _ in range(devices.FAILURE_LIMIT):
        assert "not valid" in client.post(reverse("otp_verify"), {"otp_token": "abcdefgh"}).content.decode()
    refused = client.post(reverse("otp_verify"), {"otp_token": totp_code(device)})
    assert "Too many wrong codes" in refused.content.decode()
    device.refresh_from_db()
    assert device.last_t == -1  # even the right code was not checked while throttled
    assert client.get(reverse("console:home")).status_code == 302


@pytest.mark.parametrize("name", ["account_login", "account_reset_password", "account_reset_password_done"])
def test_anonymous_reaches_login_and_reset_pages(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_password_reset_by_email_link_sets_a_new_password(client, mailoutbox):
    user = UserFactory(email="reset-me@example.com")
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mailoutbox) == 1
    link = next(w for w in mailoutbox[0].body.split() if "/accounts/password/reset/key/" in w)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "password1" in form.content.decode()
    new_password = "a-brand-new-passphrase-42"
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    assert client.get(done["Location"]).status_code == 200
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_change_page_renders_in_console_layout(client):
    client.force_login(UserFactory())
    page = client.get(reverse("account_change_password")).content.decode()
    assert 'class="topbar"' in page and 'name="oldpassword"' in page


@pytest.mark.parametrize("name", ["account_signup", "account_email", "account_inactive", "account_reauthenticate"])
def test_other_allauth_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_right_code_during_the_back_off_is_told_apart_from_a_wrong_one(client):
    """A mistyped TOTP code puts the device in django-otp's 1 s back-off: the right code sent
    within that second is not checked, and the page says so and when to retry (not "not valid")."""
    device = TOTPDeviceFactory()
    _password_login(client, device.user)
    wrong = client.post(reverse("otp_verify"), {"otp_token": "000000" if totp_code(device) != "000000" else "111111"})
    assert "not valid" in wrong.content.decode()
    refused = client.post(reverse("otp_verify"), {"otp_token": totp_code(device)}).content.decode()
    assert "back-off" in refused and "Try again in 1 s" in refused and "not valid" not in refused
    device.refresh_from_db()
    assert device.last_t == -1  # the right code was not consumed, so it still works after the wait
    device.throttling_failure_timestamp -= timedelta(seconds=2)  # the second has passed
    device.save(update_fields=["throttling_failure_timestamp"])
    assert client.post(reverse("otp_verify"), {"otp_token": totp_code(device)}).status_code == 302
