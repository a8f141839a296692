from __future__ import annotations

import base64
import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from quant.accounts import devices
from quant.models import AccessLog
from tests.factories import TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified, totp_code

pytestmark = pytest.mark.django_db


def test_profile_offers_setup_to_unenrolled_user(client):
    client.force_login(UserFactory(role="operator"))
    page = client.get(reverse("account_profile")).content.decode()
    assert "not enrolled" in page
    assert "Operators and admins cannot use any control until they enrol" in page
    assert reverse("account_totp_start") in page


def test_start_shows_qr_and_secret_of_a_new_unconfirmed_device(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("account_totp_start"))
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    page = client.get(reverse("account_profile")).content.decode()
    secret = re.search(r'id="account-totp-secret">([A-Z2-7]+)<', page).group(1)
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    qr = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(qr).lstrip().startswith(b"<?xml")
    assert b"<svg" in base64.b64decode(qr)
    # starting again replaces the pending device instead of piling them up
    client.post(reverse("account_totp_start"))
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert TOTPDevice.objects.get(user=user).pk != device.pk


def test_confirm_with_wrong_code_keeps_device_unconfirmed(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("account_totp_start"))
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(totp_code(device)) + 7) % 1_000_000:06d}"
    page = client.post(reverse("account_totp_confirm"), {"otp_token": wrong}).content.decode()
    assert "That code is not valid" in page
    device.refresh_from_db()
    assert device.confirmed is False
    assert not StaticDevice.objects.filter(user=user).exists()


def test_confirm_turns_2fa_on_verifies_session_and_shows_ten_backup_codes_once(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("account_totp_start"))
    device = TOTPDevice.objects.get(user=user)
    page = client.post(reverse("account_totp_confirm"), {"otp_token": totp_code(device)}).content.decode()
    device.refresh_from_db()
    assert device.confirmed is True
    shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(shown) == 10
    assert sorted(shown) == sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    # the session counts as verified: no detour to the 2FA step
    again = client.get(reverse("account_profile")).content.decode()
    assert "this session verified" in again
    assert shown[0] not in again  # codes are shown once only


def _step_up(device, reason="new phone"):
    return {"step_up_token": totp_code(device), "step_up_reason": reason}


def test_re_enrol_replaces_old_device_only_after_confirmation(client):
    old = TOTPDeviceFactory()
    login_verified(client, old)
    client.post(reverse("account_totp_start"), _step_up(old))
    assert TOTPDevice.objects.filter(user=old.user).count() == 2  # old one still works meanwhile
    new = TOTPDevice.objects.get(user=old.user, confirmed=False)
    client.post(reverse("account_totp_confirm"), {"otp_token": totp_code(new)})
    assert list(TOTPDevice.objects.filter(user=old.user).values_list("pk", "confirmed")) == [(new.pk, True)]


def test_new_backup_codes_invalidate_old_ones(client):
    device = TOTPDeviceFactory()
    first = devices.backup_codes_generate(user=device.user)
    login_verified(client, device)
    page = client.post(reverse("account_backup_codes"), _step_up(device, "used most")).content.decode()
    second = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(second) == 10 and not set(first) & set(second)
    assert StaticToken.objects.filter(device__user=device.user).count() == 10


def test_disable_needs_step_up_and_is_logged(client):
    device = TOTPDeviceFactory()
    devices.backup_codes_generate(user=device.user)
    login_verified(client, device)
    url = reverse("account_2fa_disable")
    ask = client.post(url, headers={"HX-Request": "true"})
    assert ask.status_code == 200 and 'id="step-up-confirm"' in ask.content.decode()
    assert "<html" not in ask.content.decode()
    assert TOTPDevice.objects.filter(user=device.user).exists()

    done = client.post(
        url,
        {"step_up_token": totp_code(device), "step_up_reason": "lost phone"},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200 and done["HX-Redirect"] == reverse("account_profile")
    assert not TOTPDevice.objects.filter(user=device.user).exists()
    assert not StaticDevice.objects.filter(user=device.user).exists()
    log = AccessLog.objects.get(action="control")
    assert (log.name, log.reason, log.user_id) == ("account.2fa_disable", "lost phone", device.user.pk)


def test_re_enrol_of_an_enrolled_user_needs_a_current_code_and_a_reason_and_is_audited(client):
    """Finding 4 of issue 12: a verified session could replace the authenticator with no code."""
    old = TOTPDeviceFactory()
    login_verified(client, old)
    url = reverse("account_totp_start")
    ask = client.post(url)
    assert ask.status_code == 200 and "Authenticator code" in ask.content.decode()
    assert list(TOTPDevice.objects.filter(user=old.user).values_list("pk", flat=True)) == [old.pk]
    wrong = f"{(int(totp_code(old)) + 7) % 1_000_000:06d}"
    refused = client.post(url, {"step_up_token": wrong, "step_up_reason": "new phone"})
    assert "That code is not valid" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=old.user).count() == 1
    assert not AccessLog.objects.filter(action="control").exists()

    old.refresh_from_db()
    old.throttle_reset()  # django-otp's own back-off after the wrong code, not what is tested here
    done = client.post(url, _step_up(old, "phone replaced"))
    assert done.status_code == 302
    assert TOTPDevice.objects.filter(user=old.user, confirmed=False).count() == 1
    log = AccessLog.objects.get(action="control")
    assert (log.name, log.reason, log.user_id) == ("account.2fa_replace", "phone replaced", old.user.pk)


def test_first_enrolment_needs_no_code(client):
    user = UserFactory()
    client.force_login(user)
    assert client.post(reverse("account_totp_start")).status_code == 302
    assert TOTPDevice.objects.filter(user=user, confirmed=False).count() == 1


def test_new_backup_codes_need_a_current_code_and_are_audited(client):
    device = TOTPDeviceFactory()
    first = devices.backup_codes_generate(user=device.user)
    login_verified(client, device)
    url = reverse("account_backup_codes")
    ask = client.post(url).content.decode()
    assert "Authenticator code" in ask and not re.findall(r"<li><code>([a-z2-7]{8})</code></li>", ask)
    # a backup code is not a step-up code: minting codes with a code needs the device itself
    refused = client.post(url, {"step_up_token": first[0], "step_up_reason": "x"}).content.decode()
    assert not re.findall(r"<li><code>([a-z2-7]{8})</code></li>", refused)
    assert sorted(StaticToken.objects.filter(device__user=device.user).values_list("token", flat=True)) == sorted(first)

    page = client.post(url, _step_up(device, "printed copy lost")).content.decode()
    assert len(re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)) == 10
    log = AccessLog.objects.get(action="control")
    assert (log.name, log.reason) == ("account.backup_codes", "printed copy lost")
