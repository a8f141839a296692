"""Harvesting on a small demo warehouse: losses at the latest close, rates, wash risk, replacements."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal as D
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.urls import reverse

from tax.harvest import harvest_report
from tax.services import account_create, trades_import
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _warehouse_root(django_db_setup, django_db_blocker):  # noqa: ANN001
    from django.test import override_settings

    from warehouse.services import warehouse_sync_demo

    root = Path(tempfile.mkdtemp(prefix="quantdesk-tax-demo-"))
    with django_db_blocker.unblock(), override_settings(WAREHOUSE_DIR=root / "warehouse"):
        warehouse_sync_demo(stocks=60, years=2, seed=3, writer="tests")
    return root


@pytest.fixture
def warehouse(_warehouse_root, settings):
    settings.WAREHOUSE_DIR = _warehouse_root / "warehouse"
    from warehouse.readers.crsp import crsp_daily, names_asof

    last = dt.date(2024, 12, 31)
    names = names_asof(last).select("permno", "ticker", "siccd")
    closes = crsp_daily(last, last, columns=["permno", "prc"]).join(names, on="permno")
    return last, names, closes


def test_candidates_priced_at_the_latest_close_with_an_independent_replacement_check(warehouse):
    last, names, closes = warehouse
    a, b = closes.sort("permno").head(2).iter_rows(named=True)
    pa, pb = D(str(abs(a["prc"]))).quantize(D("0.0001")), D(str(abs(b["prc"]))).quantize(D("0.0001"))
    owner = UserFactory(username="hal", role="viewer")
    account = account_create(name="Harvest", owner=owner)
    # A: bought long ago at twice today's close (long-term loss, no recent buy); B: two lots bought in the
    # last 30 days above the close (short-term; each is a wash risk for the other, not for itself).
    trades_import(account, filename="h.csv", user=owner, text=(
        "date,symbol,side,quantity,price,lot_id\n"
        f"2023-06-01,{a['ticker']},buy,100,{pa * 2},LA\n"
        f"2024-12-21,{b['ticker']},buy,10,{pb + 5},LB\n"
        f"2024-12-26,{b['ticker']},buy,1,{pb + 1},LB2\n"
    ))  # fmt: skip
    as_of, cands = harvest_report(account)
    assert as_of == last
    by = {c.lot.buy_lot: c for c in cands}
    assert by["LA"].loss == (100 * pa * 2 - 100 * pa).quantize(D("0.01"))
    assert (by["LA"].long_term, by["LA"].rate, by["LA"].wash_risk) == (True, D("0.20"), False)
    assert by["LA"].saving == (by["LA"].loss * D("0.20")).quantize(D("0.01"))
    assert (by["LB"].loss, by["LB"].long_term, by["LB"].recent_buys) == (D("50.00"), False, (dt.date(2024, 12, 26),))
    assert (by["LB2"].loss, by["LB2"].recent_buys, by["LB2"].wash_risk) == (D("1.00"), (dt.date(2024, 12, 21),), True)

    # Replacement: recompute the best same-SIC-2 correlation with pandas, independently.
    from warehouse.readers.crsp import total_returns

    group = a["siccd"] // 100
    peers = names.filter((pl.col("siccd") // 100) == group)
    if peers.height < 2:
        assert by["LA"].replacement is None
        return
    rets = (
        total_returns(last - dt.timedelta(days=365), last, permnos=peers["permno"].to_list()).collect()
        .join(peers.select("permno", "ticker"), on="permno").to_pandas()
        .pivot_table(index="date", columns="ticker", values="total_ret")
    )  # fmt: skip
    corr = rets.corr(min_periods=60)[a["ticker"]].drop(a["ticker"]).dropna()
    assert by["LA"].replacement == corr.idxmax()
    assert np.isclose(by["LA"].replacement_corr, corr.max(), atol=1e-12)


def test_harvest_page(client, warehouse):
    last, _names, closes = warehouse
    row = closes.sort("permno").row(0, named=True)
    owner = UserFactory(username="hank", role="viewer")
    account = account_create(name="H2", owner=owner)
    text = f"date,symbol,side,quantity,price,lot_id\n2024-03-01,{row['ticker']},buy,10,999,L1\n"
    trades_import(account, filename="h.csv", user=owner, text=text)
    client.force_login(owner)
    html = client.get(reverse("tax:harvest", args=[account.pk])).content.decode()
    assert 'data-lot="L1"' in html and "2024-12-31" in html
    other = UserFactory(username="ivy", role="viewer")
    client.force_login(other)
    assert client.get(reverse("tax:harvest", args=[account.pk])).status_code == 404


def test_quickstart_step_builds_a_demo_account_with_a_wash_sale(warehouse):
    import io

    from quant.accounts.bootstrap import DEMO_ADMIN_USERNAME
    from quant.quickstart import Options
    from tax.models import TaxAccount
    from tax.quickstart import ACCOUNT, _demo_account

    UserFactory(username=DEMO_ADMIN_USERNAME)
    out = io.StringIO()
    _demo_account(Options(stdout=out))
    account = TaxAccount.objects.get(name=ACCOUNT)
    assert account.lots.filter(adjustment_code="W").count() == 1
    assert account.lots.filter(long_term=True).count() == 1
    assert "1 wash sale(s)" in out.getvalue()
    _demo_account(Options(stdout=out))  # idempotent
    assert TaxAccount.objects.filter(name=ACCOUNT).count() == 1
