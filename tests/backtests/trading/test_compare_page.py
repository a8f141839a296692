"""Comparison of a paper strategy with a backtest: metrics, correlation, rolling chart, blend, URL."""

from __future__ import annotations

import datetime as dt
import json
from html import unescape

import numpy as np
import polars as pl
import pytest
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from backtests.analytics.metrics import max_drawdown, sharpe_ratio
from backtests.services.results import read_series
from tests.backtests.factories import finished_run
from tests.factories import StrategyFactory, UserFactory
from tests.support.trading_history import seeded_returns, snapshot_history

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_strategy_and_backtest_side_by_side_with_a_blend() -> None:
    user = UserFactory(role="viewer")
    client = Client()
    client.force_login(user)
    run = finished_run(user)
    strategy = StrategyFactory(name="Paper mom")
    assign_perm("view_strategy", user, strategy)
    returns = seeded_returns(500, seed=4)
    dates = snapshot_history(strategy, returns, start=dt.date(2006, 3, 1))
    query = {"s": [strategy.pk], "ids": [run.pk], f"w_st{strategy.pk}": "60", f"w_bt{run.pk}": "40",
             "window": "21", "metric": "volatility"}  # fmt: skip
    html = unescape(client.get(reverse("backtests:compare"), query).content.decode())
    assert "<html" in html and "Paper mom" in html and f"#{run.pk}" in html

    ours = pl.DataFrame({"date": dates[1:], "s": returns})
    bt = read_series(run, "daily").select("date", pl.col("net_return").alias("b"))
    common = ours.join(bt, on="date", how="inner").sort("date")
    assert common.height > 300
    corr = np.corrcoef(common["s"].to_numpy(), common["b"].to_numpy())[0, 1]
    assert f"{corr:.2f}" in html and f"({common.height} common sessions)" in html
    assert f"{sharpe_ratio(returns):.2f}" in html and f"{run.sharpe:.2f}" in html

    blend = 0.6 * common["s"].to_numpy() + 0.4 * common["b"].to_numpy()
    assert f"{sharpe_ratio(blend):.2f}" in html and f"{max_drawdown(blend) * 100:.1f}%" in html
    assert "Weights sum to 100%" in html and 'value="60"' in html

    data = json.loads(html.split('id="backtests-compare-data" type="application/json">')[1].split("</script>")[0])
    assert data["rolling"]["metric"] == "volatility" and data["rolling"]["window"] == 21
    assert data["blend"]["drawdown"][-1] <= 0 and len(data["equity"]["series"]) == 2


def test_a_viewer_without_the_grant_cannot_add_the_strategy_and_the_fragment_swaps() -> None:
    user = UserFactory(role="viewer")
    client = Client()
    client.force_login(user)
    hidden = StrategyFactory(name="Not yours")
    snapshot_history(hidden, seeded_returns(50))
    html = client.get(reverse("backtests:compare"), {"s": [hidden.pk]}, headers=HX).content.decode()
    assert html.lstrip().startswith('<section id="backtests-comparison"') and "Not yours" not in html
    assert "Nothing" in html  # empty state
