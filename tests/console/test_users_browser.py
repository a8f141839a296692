"""Admin → Users in Chromium: an admin signs in with TOTP, creates a user, gives them a role and a
strategy grant, disables them and resets their 2FA (each confirmed with a fresh code), and every
step is in the audit log. The pages fit a 390 px phone. Screenshots: ``$QUANTDESK_SCREENSHOTS``
when set, else ``test-artifacts/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import get_perms

from quant.models import AccessLog
from tests.factories import TEST_PASSWORD, StrategyFactory, TOTPDeviceFactory, UserFactory
from tests.support.browser import log_in
from tests.support.otp import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("QUANTDESK_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-artifacts")


def _step_up(page, device, steps_ahead: int, reason: str) -> None:
    page.wait_for_selector("#step-up-confirm")
    page.fill("#step-up-confirm input[name=step_up_token]", totp_code(device, steps_ahead=steps_ahead))
    page.fill("#step-up-confirm textarea[name=step_up_reason]", reason)
    page.click("#step-up-confirm button[type=submit]")


def _fits_phone(page) -> None:
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_admin_creates_grants_disables_and_resets_a_user(live_server, browser_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    # three fresh codes in one test: login, disable, reset (tolerance 2 accepts up to two steps ahead)
    device = TOTPDeviceFactory(user=UserFactory(username="root-admin", role="admin"), tolerance=2)
    strategy = StrategyFactory(name="Momentum 12-1")
    log_in(page, live_server.url, "root-admin", TEST_PASSWORD)
    page.wait_for_url("**/accounts/2fa/verify/**")
    page.fill("input[name=otp_token]", totp_code(device))
    page.click("#otp-verify-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('console:home')}")

    page.goto(f"{live_server.url}{reverse('console:users')}")
    page.fill("#console-user-create input[name=username]", "nina")
    page.fill("#console-user-create input[name=email]", "nina@example.com")
    page.select_option("#console-user-create select[name=role]", "researcher")
    page.fill("#console-user-create input[name=reason]", "new hire")
    page.click("#console-user-create button[type=submit]")
    page.wait_for_selector("#console-user-created")
    secret = page.inner_text("#console-user-created code.secret")
    assert get_user_model().objects.get(username="nina").check_password(secret)
    page.screenshot(path=str(SHOTS / "users-created-desktop.png"), full_page=True)
    _fits_phone(page)
    page.screenshot(path=str(SHOTS / "users-created-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.click("#console-user-created a")
    page.wait_for_selector("#console-user-access")
    page.select_option("#console-user-access select[name=role]", "operator")
    row = page.locator(f"tr[data-strategy='{strategy.name}']")
    row.locator("input[value=view_strategy]").check()
    row.locator("input[value=trade_strategy]").check()
    page.fill("#console-user-access input[name=reason]", "joins the desk")
    page.click("#console-user-access button[type=submit]")
    page.wait_for_selector("#console-toasts .toast-success")
    nina = get_user_model().objects.get(username="nina")
    assert list(nina.groups.values_list("name", flat=True)) == ["operator"]
    assert sorted(get_perms(nina, strategy)) == ["trade_strategy", "view_strategy"]
    assert page.locator(f"tr[data-strategy='{strategy.name}'] input[value=trade_strategy]").is_checked()

    page.click("#console-user-disable")
    _step_up(page, device, 1, "left the firm")
    page.wait_for_selector("#console-user-status:has-text('disabled')")
    nina.refresh_from_db()
    assert not nina.is_active

    TOTPDeviceFactory(user=nina)  # she had enrolled an authenticator
    page.reload()
    page.click("#console-user-reset-2fa")
    _step_up(page, device, 2, "lost her phone")
    page.wait_for_selector("#console-user-2fa:has-text('not enrolled')")
    assert not TOTPDevice.objects.filter(user=nina).exists()
    page.screenshot(path=str(SHOTS / "user-detail-desktop.png"), full_page=True)
    _fits_phone(page)
    page.screenshot(path=str(SHOTS / "user-detail-phone.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{reverse('quant:audit_log')}?object=auth.user+%23{nina.pk}")
    page.wait_for_selector("#audit-table")
    names = set(AccessLog.objects.filter(object_id=str(nina.pk), action="control").values_list("name", flat=True))
    assert names == {"auth.user_create", "auth.change_access", "auth.user_disable", "auth.2fa_reset"}
    text = page.inner_text("#audit-table")
    assert "left the firm | active True -> False" in text and "role researcher -> operator" in text
    page.screenshot(path=str(SHOTS / "audit-object-filter-desktop.png"), full_page=True)
    _fits_phone(page)
    page.screenshot(path=str(SHOTS / "audit-object-filter-phone.png"), full_page=True)

    # an API key for a user: shown once, then listed by prefix, then revoked with a reason
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{reverse('console:api_keys')}")
    page.select_option("#console-apikey-create select[name=user]", label="root-admin")
    page.fill("#console-apikey-create input[name=name]", "risk screen")
    page.check("#console-apikey-create input[value=read_pnl]")
    page.fill("#console-apikey-create input[name=reason]", "dashboard on the wall")
    page.click("#console-apikey-create button[type=submit]")
    page.wait_for_selector("#console-apikey-issued")
    secret = page.inner_text("#console-apikey-issued code.secret")
    page.screenshot(path=str(SHOTS / "api-key-issued-desktop.png"), full_page=True)
    page.click("#console-apikey-issued a")
    prefix = secret.split(".")[0]
    page.wait_for_selector(f"tr[data-key='{prefix}']")
    assert secret not in page.content()
    _fits_phone(page)
    page.screenshot(path=str(SHOTS / "api-keys-phone.png"), full_page=True)
    page.fill(f"tr[data-key='{prefix}'] input[name=reason]", "wall screen retired")
    page.click(f"tr[data-key='{prefix}'] button[type=submit]")
    page.wait_for_selector(f"tr[data-key='{prefix}'] .badge:has-text('revoked')")
    page.screenshot(path=str(SHOTS / "api-keys-revoked-phone.png"), full_page=True)
