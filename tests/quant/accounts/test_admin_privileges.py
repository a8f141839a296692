"""Finding 1 of issue 12: an admin-role staff user could tick ``is_superuser`` on themselves in the
Django admin, then read every user's TOTP key and set anyone's password."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from quant.accounts import devices
from quant.models import AccessLog
from tests.factories import TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified, totp_code

pytestmark = pytest.mark.django_db


def _change_url(user) -> str:
    return f"/admin/auth/user/{user.pk}/change/"


def _form(client: Client, user, **changes: object) -> dict[str, object]:
    """The admin change form of ``user`` as the browser would post it, with ``changes``."""
    page = client.get(_change_url(user))
    assert page.status_code == 200
    data: dict[str, object] = {}
    for name, field in page.context["adminform"].form.fields.items():
        value = page.context["adminform"].form.initial.get(name, field.initial)
        if name in ("groups", "user_permissions"):
            data[name] = [getattr(v, "pk", v) for v in (value or [])]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value.isoformat(sep=" ") if hasattr(value, "isoformat") else value
    for key in ("last_login", "date_joined"):
        stamp = data.pop(key, None)
        if stamp:
            data[f"{key}_0"], data[f"{key}_1"] = str(stamp)[:10], str(stamp)[11:19]
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def _admin_role_staff(client: Client):
    device = TOTPDeviceFactory(user=UserFactory(role="admin", is_staff=True))
    login_verified(client, device)
    return device


def test_admin_role_cannot_make_itself_superuser_or_change_groups(client):
    device = _admin_role_staff(client)
    me = device.user
    response = client.post(_change_url(me), _form(client, me, is_superuser="on", is_staff="on",
                                                   groups=[g.pk for g in Group.objects.all()]))  # fmt: skip
    assert response.status_code in (200, 302)
    me.refresh_from_db()
    assert me.is_superuser is False
    assert list(me.groups.values_list("name", flat=True)) == ["admin"]


def test_admin_role_cannot_change_a_superuser_or_set_their_password(client):
    _admin_role_staff(client)
    root = UserFactory(is_staff=True, is_superuser=True)
    before = root.password
    assert client.post(_change_url(root), {"username": "pwned"}).status_code == 403
    response = client.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": "another-long-pass-123", "password2": "another-long-pass-123"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert (root.username, root.password) != ("pwned", None) and root.password == before


def test_granting_superuser_needs_a_fresh_code_and_a_reason_and_is_audited(client):
    boss = TOTPDeviceFactory(user=UserFactory(is_staff=True, is_superuser=True))
    login_verified(client, boss)
    target = UserFactory(role="operator", is_staff=True)
    admin_group = Group.objects.get(name="admin")

    refused = client.post(_change_url(target), _form(client, target, is_superuser="on"))
    assert refused.status_code == 200 and "Authenticator code" in refused.content.decode()
    target.refresh_from_db()
    assert target.is_superuser is False

    no_reason = _form(client, target, groups=[admin_group.pk], step_up_token=totp_code(boss))
    assert client.post(_change_url(target), no_reason).status_code == 200
    assert not target.groups.filter(name="admin").exists()

    done = client.post(
        _change_url(target),
        _form(client, target, is_superuser="on", groups=[admin_group.pk],
              step_up_token=totp_code(boss, steps_ahead=1), step_up_reason="new head of desk"),
    )  # fmt: skip
    assert done.status_code == 302, done.content.decode()[:2000]
    target.refresh_from_db()
    assert target.is_superuser is True and target.groups.filter(name="admin").exists()
    logs = AccessLog.objects.filter(action="control", object_id=str(target.pk)).order_by("name")
    assert [(log.name, log.reason, log.user_id) for log in logs] == [
        ("auth.grant_admin_role", "new head of desk", boss.user.pk),
        ("auth.grant_superuser", "new head of desk", boss.user.pk),
    ]


def test_totp_keys_and_backup_codes_are_never_shown_in_the_admin(client):
    boss = TOTPDeviceFactory(user=UserFactory(is_staff=True, is_superuser=True))
    login_verified(client, boss)
    victim = TOTPDeviceFactory()
    codes = devices.backup_codes_generate(user=victim.user)
    page = client.get(f"/admin/otp_totp/totpdevice/{victim.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert victim.key not in html and devices.totp_secret_base32(victim) not in html
    assert client.get(f"/admin/otp_totp/totpdevice/{victim.pk}/config/").status_code == 403
    assert client.get(f"/admin/otp_totp/totpdevice/{victim.pk}/qrcode/").status_code == 403
    # adding a device in the admin would hand its key to the admin: devices are enrolled by users
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    static = StaticToken.objects.filter(device__user=victim.user).first().device
    static_page = client.get(f"/admin/otp_static/staticdevice/{static.pk}/change/").content.decode()
    assert not any(code in static_page for code in codes)
    listing = client.get("/admin/otp_totp/totpdevice/").content.decode()
    assert victim.key not in listing and "qrcode" not in listing
    # a lost phone is still handled in the admin: the device can be deleted
    assert client.post(f"/admin/otp_totp/totpdevice/{victim.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=victim.pk).exists()
