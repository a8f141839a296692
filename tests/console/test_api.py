"""/api/v1/: every key state (none, unknown, valid, revoked, expired, out of scope, disabled user)
against a book traded through the paper broker, numbers checked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backtests.services.results import read_series
from console.models import ApiKey
from quant.models import AccessLog
from quant.trading.broker import OrderRequest
from quant.trading.paper import PaperBroker
from quant.trading.prices import StaticPrices
from quant.trading.services import capital_contribute, order_submit, order_sync, snapshot_take
from tests.backtests.factories import finished_run
from tests.factories import StrategyFactory, UserFactory

pytestmark = pytest.mark.django_db
D1, D2, D3 = dt.date(2024, 3, 4), dt.date(2024, 3, 5), dt.date(2024, 3, 6)
PRICES = StaticPrices.from_rows(
    [("AAA", D1, "100", "102", "99", "101", "10000"), ("AAA", D2, "102", "105", "101", "104", "10000"),
     ("AAA", D3, "103", "104", "96", "98", "5000")]
)  # fmt: skip


@pytest.fixture
def book():
    """$10,000 in; buy 20 AAA at the D1 close 101, 10 at the D2 close 104, sell 15 at the D3 close 98."""
    user = UserFactory(username="quant", role="viewer")
    strategy = StrategyFactory(owner=user, name="Value")
    broker = PaperBroker(PRICES, fill_model="close", today=D1)
    capital_contribute(strategy, "10000", trade_date=D1)
    for day, side, qty in ((D1, "buy", 20), (D2, "buy", 10), (D3, "sell", 15)):
        broker.process(day)
        order = order_submit(strategy, OrderRequest(f"o-{day}", "AAA", side, D(qty), "moc"), broker=broker,
                             trade_date=day)  # fmt: skip
        broker.process(day)
        order_sync(order, broker)
        snapshot_take(strategy, day, PRICES)
    return user, strategy


def issue(user, scopes, **extra) -> str:
    key, secret = ApiKey.objects.create_key(name="t", user=user, scopes=scopes,
                                            expiry_date=timezone.now() + dt.timedelta(days=30), **extra)  # fmt: skip
    return secret


def get(url: str, secret: str | None = None, **kwargs):
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {secret}"} if secret else {}
    return Client().get(url, REMOTE_ADDR="10.1.2.3", **headers, **kwargs)


def test_positions_and_pnl_with_a_read_pnl_key(book):
    user, strategy = book
    secret = issue(user, ["read_pnl"])
    listing = get(reverse("api:strategies"), secret)
    assert listing.status_code == 200
    assert listing.json()["strategies"] == [{"id": strategy.pk, "name": "Value", "status": "active", "owner": "quant"}]
    positions = get(reverse("api:positions", args=[strategy.pk]), secret).json()["positions"]
    # basis 20*101 + 10*104 = 3060 for 30 shares; selling 15 releases half: 1530 left, avg 102
    # realized = 15*98 - 1530 = -60
    assert [(p["symbol"], D(p["quantity"]), D(p["cost_basis"]), D(p["avg_cost"]), D(p["realized_pnl"]))
            for p in positions] == [("AAA", D(15), D(1530), D(102), D(-60))]  # fmt: skip
    pnl = get(reverse("api:pnl", args=[strategy.pk]), secret).json()
    # cash 10000 - 2020 - 1040 + 1470 = 8410; equity 8410 + 15*98 = 9880; P&L 9880 - 10000
    assert pnl["summary"] == {"date": "2024-03-06", "equity": pnl["summary"]["equity"], "pnl": pnl["summary"]["pnl"]}
    assert (D(pnl["summary"]["equity"]), D(pnl["summary"]["pnl"])) == (D(9880), D(-120))
    days = pnl["snapshots"]
    assert [d["date"] for d in days] == ["2024-03-04", "2024-03-05", "2024-03-06"]
    # D1: 10000 - 2020 + 20*101 = 10000; D2: cash 6940 + 30*104 = 10060 -> +0.6 %
    assert [D(d["equity"]) for d in days] == [D(10000), D(10060), D(9880)]
    assert days[1]["daily_return"] == pytest.approx(0.006)
    assert days[2]["daily_return"] == pytest.approx(9880 / 10060 - 1)
    only_d2 = get(reverse("api:pnl", args=[strategy.pk]) + "?start=2024-03-05&end=2024-03-05", secret).json()
    assert [d["date"] for d in only_d2["snapshots"]] == ["2024-03-05"]
    key = ApiKey.objects.get(user=user)
    assert key.last_used_ip == "10.1.2.3" and timezone.now() - key.last_used_at < dt.timedelta(minutes=1)
    assert "hashed" not in secret and key.hashed_key != secret.split(".", 1)[1]  # only a hash is stored


def test_a_bad_date_is_a_one_line_400(book):
    user, strategy = book
    response = get(reverse("api:pnl", args=[strategy.pk]) + "?start=March", issue(user, ["read_pnl"]))
    assert response.status_code == 400 and response.json() == {"start": "'March' is not a date (YYYY-MM-DD)."}


@pytest.mark.parametrize("state", ["none", "unknown", "revoked", "expired", "disabled user"])
def test_refused_keys_get_401_and_are_logged(book, state):
    user, strategy = book
    secret = issue(user, ["read_pnl", "read_research"])
    key = ApiKey.objects.get(user=user)
    if state == "none":
        secret = None
    elif state == "unknown":
        secret = key.prefix + ".not-the-secret"
    elif state == "revoked":
        ApiKey.objects.filter(pk=key.pk).update(revoked=True)
    elif state == "expired":
        ApiKey.objects.filter(pk=key.pk).update(expiry_date=timezone.now() - dt.timedelta(seconds=1))
    else:
        user.is_active = False
        user.save()
    for url in (reverse("api:strategies"), reverse("api:positions", args=[strategy.pk]), reverse("api:jobs")):
        response = get(url, secret)
        assert response.status_code == 401, (url, response.content)
        assert response["WWW-Authenticate"] == "Api-Key"
        assert "positions" not in response.json() and "strategies" not in response.json()
    logged = AccessLog.objects.filter(action="refused", name="api.request")
    assert logged.count() == 3
    expected = {"none": "no API key", "unknown": "unknown API key", "revoked": "revoked API key",
                "expired": "expired API key", "disabled user": "API key of a disabled user"}[state]  # fmt: skip
    assert set(logged.values_list("reason", flat=True)) == {expected}
    assert set(logged.values_list("ip", flat=True)) == {"10.1.2.3"}
    assert ApiKey.objects.get(pk=key.pk).last_used_at is None


def test_out_of_scope_is_403_and_logged(book):
    user, strategy = book
    research_only, pnl_only = issue(user, ["read_research"]), issue(user, ["read_pnl"])
    assert get(reverse("api:positions", args=[strategy.pk]), research_only).status_code == 403
    assert get(reverse("api:pnl", args=[strategy.pk]), research_only).status_code == 403
    refused = get(reverse("api:backtests"), pnl_only)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This API key does not have the read_research scope."}
    refusals = AccessLog.objects.filter(action="refused", reason="API key without scope read_pnl", username="quant")
    assert refusals.count() == 2


def test_a_key_sees_only_what_its_user_was_granted(book):
    user, strategy = book
    other = StrategyFactory(name="Not yours")
    secret = issue(user, ["read_pnl"])
    assert get(reverse("api:positions", args=[other.pk]), secret).status_code == 404
    assert [s["name"] for s in get(reverse("api:strategies"), secret).json()["strategies"]] == ["Value"]


def test_the_api_is_read_only(book):
    user, strategy = book
    secret = issue(user, ["read_pnl"])
    response = Client().post(reverse("api:strategies"), HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 405
    assert Client().post(reverse("api:strategies")).status_code == 401  # and without a key: refused first


def test_backtests_and_jobs_with_a_read_research_key():
    user = UserFactory(username="researcher", role="researcher")
    run = finished_run(user)
    secret = issue(user, ["read_research"])
    rows = get(reverse("api:backtests"), secret).json()["backtests"]
    assert [r["id"] for r in rows] == [run.pk]
    assert rows[0]["status"] == "succeeded"
    # independent of the metrics module: compound the stored daily net returns with numpy
    net = read_series(run, "daily")["net_return"].to_numpy()
    wealth = np.cumprod(1 + net)
    assert rows[0]["total_return"] == pytest.approx(wealth[-1] - 1, rel=1e-9)
    detail = get(reverse("api:backtest", args=[run.pk]), secret).json()
    assert detail["config"] == run.config
    assert detail["max_drawdown"] == pytest.approx((wealth / np.maximum.accumulate(np.r_[1.0, wealth])[1:] - 1).min())
    jobs = get(reverse("api:jobs"), secret).json()["jobs"]
    assert [(j["id"], j["status"], j["progress"]) for j in jobs] == [(run.job_id, "succeeded", 1.0)]
    assert get(reverse("api:backtest", args=[run.pk + 999]), secret).status_code == 404


def test_requests_without_a_usable_key_are_throttled_per_ip(book, monkeypatch):
    from console.restapi import auth

    monkeypatch.setattr(auth, "ANONYMOUS_REFUSALS_PER_MINUTE", 2)
    statuses = [get(reverse("api:strategies"), secret).status_code for secret in (None, "zz.bad", None)]
    assert statuses == [401, 401, 429]
    assert AccessLog.objects.filter(name="api.request").count() == 2  # the throttled one writes no row
    user, _ = book
    assert get(reverse("api:strategies"), issue(user, ["read_pnl"])).status_code == 200  # a good key still works
