"""Password + TOTP login in a real browser (Debian's Chromium, never a downloaded one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from quant.models import AccessLog
from tests.factories import TEST_PASSWORD, StrategyFactory, TOTPDeviceFactory, UserFactory
from tests.support.browser import log_in
from tests.support.otp import totp_code

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _landing_path() -> str:
    try:
        return reverse("console:health")
    except NoReverseMatch:  # the health page is built on another branch
        return reverse("console:home")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_password_then_totp_lands_on_console(live_server, browser_page):
    page = browser_page
    device = TOTPDeviceFactory(user=UserFactory(username="dana", role="operator"))
    strategy = StrategyFactory(owner=device.user, name="Momentum 12-1")
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, "dana", TEST_PASSWORD)
    page.wait_for_url("**/accounts/2fa/verify/**")
    assert "Two-factor check" in page.content()

    page.fill("input[name=otp_token]", totp_code(device))
    page.click("#otp-verify-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('console:home')}")

    page.goto(f"{live_server.url}{_landing_path()}")
    page.screenshot(path=str(ARTIFACTS / "login-flow.png"), full_page=True)
    assert page.url == f"{live_server.url}{_landing_path()}"  # no detour back to login/2FA
    assert "dana" in page.locator(".userbox").inner_text().split()  # beside the open-alerts bell
    assert page.locator(f"form[action='{reverse('account_logout')}']").count() == 1

    # A destructive control through the HTMX step-up fragment.
    page.goto(f"{live_server.url}{strategy.get_absolute_url()}")
    page.click("#quant-strategy-actions button")
    page.wait_for_selector("#step-up-confirm")
    page.fill("#step-up-confirm input[name=step_up_token]", totp_code(device, steps_ahead=1))
    page.fill("#step-up-confirm textarea[name=step_up_reason]", "browser test: halt")
    page.screenshot(path=str(ARTIFACTS / "step-up-confirm.png"), full_page=True)
    page.click("#step-up-confirm button[type=submit]")
    page.wait_for_selector("#quant-strategy-status:has-text('Halted')")
    assert (ARTIFACTS / "login-flow.png").stat().st_size > 1000
    log = AccessLog.objects.get(action="control")
    assert (log.name, log.object_id, log.reason) == ("strategy.halt", str(strategy.pk), "browser test: halt")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_enrolment_from_profile_page(live_server, browser_page):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = browser_page
    UserFactory(username="erin", role="operator")
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, "erin", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}{reverse('console:home')}")
    page.goto(f"{live_server.url}{reverse('account_profile')}")
    page.click("text=Set up an authenticator app")
    page.wait_for_selector("#account-totp-secret")
    assert page.locator("img[alt^='QR code']").count() == 1
    page.screenshot(path=str(ARTIFACTS / "enrolment-qr.png"), full_page=True)
    pending = TOTPDevice.objects.get(user__username="erin", confirmed=False)
    page.fill("#account-totp-confirm input[name=otp_token]", totp_code(pending))
    page.click("#account-totp-confirm button[type=submit]")
    page.wait_for_selector("#account-backup-codes")
    assert page.locator("#account-backup-codes li").count() == 10
    assert "this session verified" in page.content()
    page.screenshot(path=str(ARTIFACTS / "enrolment-done.png"), full_page=True)
    assert TOTPDevice.objects.get(user__username="erin").confirmed
