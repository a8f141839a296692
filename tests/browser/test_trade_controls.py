"""Issue 14's operations acceptance in a real browser (Debian's Chromium): an operator enrols
TOTP and flattens a paper strategy with a reason; the orders fill in the paper broker; the audit
log shows the action with before and after; a viewer sees the pages read-only and a viewer's
POST is refused; a second breaker reset within a minute is refused with a clear message. The
pages also fit a 390 px phone.

Screenshots go to ``test-artifacts/`` (or ``$QUANTDESK_SCREENSHOTS``) for a person to look at.
"""

from __future__ import annotations

import os
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from quant.models import AccessLog
from quant.trading.brokers import paper_broker_load
from quant.trading.models import Order, Position
from tests.factories import TEST_PASSWORD, StrategyFactory, TOTPDeviceFactory, UserFactory
from tests.support.browser import log_in
from tests.support.otp import totp_code
from tests.support.paper_book import PRICES, paper_prices, seed_book

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(os.environ.get("QUANTDESK_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-artifacts")
PHONE = {"width": 390, "height": 844}


def _shot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ops-{name}.png"), full_page=True)


def _fits_phone(page) -> None:  # noqa: ANN001
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_operator_flattens_viewer_is_read_only_and_a_second_reset_is_refused(live_server, browser_page) -> None:  # noqa: ANN001
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page, base = browser_page, live_server.url
    with paper_prices():
        strategy = StrategyFactory(name="Paper10", owner=UserFactory(username="pm", role="operator"))
        seed_book(strategy)
        olga = UserFactory(username="olga", role="operator")
        for perm in ("quant.view_strategy", "quant.trade_strategy"):
            assign_perm(perm, olga, strategy)

        # 1. the operator enrols TOTP from the profile page (this session is then verified)
        log_in(page, base, "olga", TEST_PASSWORD)
        page.wait_for_url(f"{base}{reverse('console:home')}")
        page.goto(f"{base}{reverse('account_profile')}")
        page.click("text=Set up an authenticator app")
        page.wait_for_selector("#account-totp-secret")
        pending = TOTPDevice.objects.get(user=olga, confirmed=False)
        page.fill("#account-totp-confirm input[name=otp_token]", totp_code(pending))
        page.click("#account-totp-confirm button[type=submit]")
        page.wait_for_selector("#account-backup-codes")
        device = TOTPDevice.objects.get(user=olga)
        # each code works once and the next only in the next 30 s window: let this test use codes
        # a few windows ahead instead of sleeping through them
        TOTPDevice.objects.filter(pk=device.pk).update(tolerance=6)

        # 2. flatten: the preview shows exactly what will be sent, nothing is sent before the code
        page.goto(f"{base}{reverse('quant:trade_controls')}?strategy={strategy.pk}")
        assert page.locator("#console-breaker-card").inner_text().strip() == "Breaker armed"
        _shot(page, "controls-before")
        page.click("#trading-flatten")
        page.wait_for_selector("#flatten-orders")
        assert page.locator("#flatten-total").inner_text().startswith("2 orders, estimated value $1,236.00")
        _shot(page, "flatten-preview")
        page.set_viewport_size(PHONE)
        _fits_phone(page)
        _shot(page, "flatten-preview-phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.click("#flatten-submit")
        page.wait_for_selector("#step-up-confirm")
        assert Order.objects.filter(source="manual").count() == 0
        page.fill("#step-up-confirm input[name=step_up_token]", totp_code(device, steps_ahead=1))
        page.fill("#step-up-confirm textarea[name=step_up_reason]", "risk off before the FOMC")
        _shot(page, "flatten-confirm")
        page.click("#step-up-confirm button[type=submit]")
        page.wait_for_selector("#trading-actions")
        assert "2 closing orders sent, 2 filled" in page.locator("#console-toasts").inner_text()
        _shot(page, "controls-after")

        # 3. the orders are in the books and filled by the paper broker at the session's close
        manual = Order.objects.filter(strategy=strategy, source="manual").order_by("symbol")
        assert [(o.symbol, o.side, o.quantity, o.status, o.avg_fill_price) for o in manual] == [
            ("AAA", "sell", D(10), "filled", D(104)), ("BBB", "buy", D(4), "filled", D(49))
        ]  # fmt: skip
        assert page.locator("#trading-orders tbody tr", has_text="Manual control").count() == 2
        assert set(Position.objects.filter(strategy=strategy).values_list("quantity", flat=True)) == {D(0)}
        assert paper_broker_load(strategy, PRICES).positions() == []

        # 4. breaker: trip, reset (code + reason), trip again, a second reset within a minute is refused
        page.goto(f"{base}{reverse('quant:breaker')}")
        page.fill("#breaker-trip-reason", "browser test: first trip")
        page.click("#breaker-controls form button.danger")
        page.wait_for_selector("#breaker-state:has-text('Tripped')")
        assert "Breaker tripped" in page.locator("#console-breaker-card").inner_text()
        for n, expected in ((2, "Armed"), (3, None)):
            page.click("#breaker-reset button")
            page.wait_for_selector("#step-up-confirm")
            page.fill("#step-up-confirm input[name=step_up_token]", totp_code(device, steps_ahead=n))
            page.fill("#step-up-confirm textarea[name=step_up_reason]", f"browser test: reset {n - 1}")
            page.click("#step-up-confirm button[type=submit]")
            if expected:
                page.wait_for_selector(f"#breaker-state:has-text('{expected}')")
                page.fill("#breaker-trip-reason", "browser test: second trip")
                page.click("#breaker-controls form button.danger")
                page.wait_for_selector("#breaker-state:has-text('Tripped')")
        page.wait_for_selector(".toast-error")
        message = page.locator(".toast-error").inner_text()
        assert "The breaker was reset less than a minute ago (at most one reset per minute): try again in" in message
        assert page.locator("#breaker-state").inner_text() == "Tripped"
        _shot(page, "breaker-refused")
        page.set_viewport_size(PHONE)
        for name, url in (("breaker", reverse("quant:breaker")),
                          ("controls", f"{reverse('quant:trade_controls')}?strategy={strategy.pk}"),
                          ("config", reverse("quant:trading_config"))):  # fmt: skip
            page.goto(f"{base}{url}")
            _fits_phone(page)
            _shot(page, f"{name}-phone")
        page.set_viewport_size({"width": 1280, "height": 900})

    # 5. the audit log (an admin) shows the flatten with its reason, before and after
    admin = TOTPDeviceFactory(user=UserFactory(username="ada", role="admin"))
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    audit = context.new_page()
    log_in(audit, base, "ada", TEST_PASSWORD)
    audit.wait_for_url("**/accounts/2fa/verify/**")
    audit.fill("input[name=otp_token]", totp_code(admin))
    audit.click("#otp-verify-form button[type=submit]")
    audit.wait_for_url(f"{base}{reverse('console:home')}")
    audit.goto(f"{base}{reverse('quant:audit_log')}")
    row = audit.locator("#audit-table tbody tr", has_text="strategy.flatten")
    assert row.count() == 1
    text = row.inner_text()
    assert "risk off before the FOMC" in text
    assert "before: Paper10: AAA 10 sh (cost $1010), BBB -4 sh (cost $-202); 1 open order" in text
    assert "after: Paper10: no positions; 0 open orders" in text
    _shot(audit, "audit-log")
    log = AccessLog.objects.get(name="strategy.flatten")
    assert (log.username, log.action, log.object_id) == ("olga", "control", str(strategy.pk))

    # 6. a viewer sees the pages read-only, and a POST from a viewer is refused
    vic = UserFactory(username="vic", role="viewer")
    assign_perm("quant.view_strategy", vic, strategy)
    viewer = browser_page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(viewer, base, "vic", TEST_PASSWORD)
    viewer.wait_for_url(f"{base}{reverse('console:home')}")
    viewer.goto(f"{base}{reverse('quant:trade_controls')}?strategy={strategy.pk}")
    assert "your role has no trade controls" in viewer.locator("#trading-read-only").inner_text()
    assert viewer.locator("#trading-flatten, #trading-positions button, #trading-orders button").count() == 0
    viewer.goto(f"{base}{reverse('quant:breaker')}")
    assert viewer.locator("#breaker-read-only").count() == 1 and viewer.locator("#breaker-controls").count() == 0
    _shot(viewer, "breaker-viewer")
    token = next(c["value"] for c in viewer.context.cookies() if c["name"] == "csrftoken")
    for url in (reverse("quant:flatten", args=[strategy.pk]), reverse("quant:breaker_reset")):
        refused = viewer.request.post(f"{base}{url}", form={"key": "v", "step_up_reason": "x"},
                                      headers={"X-CSRFToken": token, "Referer": base})  # fmt: skip
        assert refused.status == 403, url
    assert Order.objects.filter(source="manual").count() == 2
