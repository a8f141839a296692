"""pytest plugin: ``browser_page``, a page in Debian's Chromium (never a downloaded browser).

Registered from ``tests/conftest.py`` (``pytest_plugins``); uses its ``chromium_path`` fixture, so
the browser tests skip locally, and fail under CI, when Chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from django.urls import reverse

if TYPE_CHECKING:
    from playwright.sync_api import Page

# No sandbox (containers, root in CI) and nothing that calls home in the background, which the
# no_network plugin would block anyway.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(chromium_path: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Page]:
    """A fresh 1280×900 page in headless Chromium; the browser closes after the test."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes in
    # between (factories, services against live_server's database) are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Fill and submit the login form; the caller waits for where it should land (console, 2FA check)."""
    page.goto(f"{base_url}{reverse('account_login')}")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("#account-login-form button[type=submit]")
