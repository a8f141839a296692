"""In the browser: import a broker CSV, see lots, sell by specific ID, see the wash sale, export Form 8949."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tax.services import account_create
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.browser import log_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TRADES = (
    "date,symbol,side,quantity,price,fees,lot_id\n"
    "2024-01-10,ABC,buy,100,50,0,A1\n2024-02-12,ABC,buy,50,60,0,A2\n2024-06-20,ABC,buy,100,42,0,A3\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_sell_specific_id_wash_sale_and_export(live_server, browser_page, tmp_path):
    page = browser_page
    owner = UserFactory(username="tess", role="viewer")
    account = account_create(name="Taxable", owner=owner)
    ARTIFACTS.mkdir(exist_ok=True)
    trades = tmp_path / "broker.csv"
    trades.write_text(TRADES)

    log_in(page, live_server.url, "tess", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{reverse('tax:account', args=[account.pk])}")
    page.set_input_files("#tax-import-form input[type=file]", str(trades))
    page.click("#tax-import-form button[type=submit]")
    page.wait_for_selector("#tax-open-lots tr[data-lot='A3']")
    assert page.locator("#tax-open-lots tbody tr").count() == 3

    # Sell A1 by specific ID at a loss on 2024-07-01, 11 days after A3 was bought: a wash sale.
    page.fill("input[name='pick:A1']", "100")
    page.fill("#tax-sale-form input[name=date]", "2024-07-01")
    page.fill("#tax-sale-form input[name=symbol]", "ABC")
    page.fill("#tax-sale-form input[name=price]", "40")
    page.click("#tax-sale-form button[type=submit]")
    page.wait_for_selector("#tax-wash-sales td:has-text('W')")
    assert "$1,000.00" in page.locator("#tax-wash-sales").inner_text()
    assert "basis +$1,000.00" in page.locator("#tax-open-lots tr[data-lot='A3']").inner_text()
    page.screenshot(path=str(ARTIFACTS / "tax-account.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#tax-export-8949")
    text = Path(download.value.path()).read_text()
    assert "A,100 sh ABC,2024-01-10,2024-07-01,4000.00,5000.00,W,1000.00,0.00" in text

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "tax-account-phone.png"), full_page=True)
