"""Tax pages and services on the database: import all-or-nothing, specific ID, wash sale, exports, access."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from guardian.shortcuts import assign_perm

from tax.models import TaxLot, TaxTrade
from tax.services import TaxInputError, account_create, sale_record, trades_import
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TRADES = """date,symbol,side,quantity,price,fees,lot_id
2024-01-10,ABC,buy,100,50,0,A1
2024-02-12,ABC,buy,50,60,0,A2
2024-06-03,ABC,sell,100,40,0,
2024-06-20,ABC,buy,100,42,0,A3
"""


@pytest.fixture
def owner():
    return UserFactory(username="tina", role="viewer")


@pytest.fixture
def account(owner):
    account = account_create(name="Taxable", owner=owner)
    trades_import(account, text=TRADES, filename="broker.csv", user=owner)
    return account


def test_import_builds_lots_and_flags_the_wash_sale(account):
    """FIFO sells A1 (100 @ 50) at 40: -1000; A3 bought 17 days later replaces it:
    basis 4200 + 1000 = 5200, held from 2024-06-20 - (2024-06-03 - 2024-01-10 = 145 d) = 2024-01-27."""
    sold = account.lots.get(sell_date__isnull=False)
    assert (sold.lot_id, sold.adjustment_code, sold.adjustment, sold.gain) == ("A1", "W", D(1000), D(0))
    a3 = account.lots.get(lot_id="A3")
    assert (a3.adjusted_basis, a3.adjusted_buy_date, a3.is_replacement) == (D(5200), dt.date(2024, 1, 27), True)
    assert account.lots.get(lot_id="A2").adjusted_basis is None
    assert set(account.trades.values_list("source", flat=True)) == {f"broker.csv:{n}" for n in (2, 3, 4, 5)}


def test_a_bad_line_imports_nothing(account, owner):
    before = (TaxTrade.objects.count(), TaxLot.objects.count())
    with pytest.raises(TaxInputError, match="bad.csv: line 3: quantity 'x' is not a number"):
        trades_import(account, text="date,symbol,side,quantity,price\n2024-07-01,ABC,buy,1,1\n2024-07-02,ABC,buy,x,1\n",
                      filename="bad.csv", user=owner)  # fmt: skip
    with pytest.raises(TaxInputError, match="only 150 shares are held"):
        trades_import(account, text="date,symbol,side,quantity,price\n2024-07-01,ABC,sell,151,1\n", filename="o.csv",
                      user=owner)  # fmt: skip
    assert (TaxTrade.objects.count(), TaxLot.objects.count()) == before


def test_specific_identification_sale(account, owner):
    """Sell 30 of A2 (50 @ 60 -> basis 1800) at 70 on 2025-03-01: +300, long-term (held > 1 year)."""
    sale_record(account, date=dt.date(2025, 3, 1), symbol="abc", quantity=D(30), price=D(70), fees=D(0),
                picks=[("A2", D(30))], user=owner)  # fmt: skip
    piece = account.lots.get(lot_id="A2", sell_date=dt.date(2025, 3, 1))
    assert (piece.shares, piece.basis, piece.proceeds, piece.gain, piece.long_term) == (
        30,
        D(1800),
        D(2100),
        D(300),
        True,
    )
    assert account.lots.get(lot_id="A2", sell_date__isnull=True).shares == 20


def test_pages_exports_and_access(client, account, owner):
    client.force_login(owner)
    page = client.get(reverse("tax:account", args=[account.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Disallowed (wash sales)" in html and "$1,000.00" in html and 'name="pick:A2"' in html
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("tax:form8949_csv", args=[account.pk]) + "?year=2024").content.decode())
        )
    )
    assert [(r["box"], r["adjustment_code"], r["adjustment_amount"], r["gain_or_loss"]) for r in rows] == [
        ("A", "W", "1000.00", "0.00")
    ]
    txf = client.get(reverse("tax:form8949_txf", args=[account.pk]) + "?year=2024").content.decode()
    assert txf.startswith("V042\r\n") and "N321\r\n" in txf
    pdf = client.get(reverse("tax:summary_pdf", args=[account.pk]) + "?year=2024")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    stranger = UserFactory(username="sam", role="viewer")
    client.force_login(stranger)
    assert client.get(reverse("tax:account", args=[account.pk])).status_code == 404
    assert client.get(reverse("tax:form8949_csv", args=[account.pk])).status_code == 404
    assign_perm("tax.view_taxaccount", stranger, account)
    assert client.get(reverse("tax:account", args=[account.pk])).status_code == 200
    refused = client.post(
        reverse("tax:sell", args=[account.pk]),
        {"date": "2024-07-01", "symbol": "ABC", "quantity": "1", "price": "1", "fees": "0"},
    )
    assert refused.status_code == 403
    upload = SimpleUploadedFile("t.csv", b"date,symbol,side,quantity,price\n2024-07-01,ABC,buy,1,1\n")
    assert client.post(reverse("tax:import", args=[account.pk]), {"file": upload}).status_code == 403
    assert account.trades.count() == 4


def test_sale_form_errors_keep_the_page(client, account, owner):
    client.force_login(owner)
    sale = {"date": "2024-07-01", "symbol": "ABC", "price": "1", "fees": "0", "pick:A2": "60"}
    response = client.post(reverse("tax:sell", args=[account.pk]), sale)
    assert response.status_code == 400
    assert "lot &#x27;A2&#x27; has 50 shares, not 60" in response.content.decode()
    assert account.trades.count() == 4
