"""The performance dashboard: metrics equal ``perf_report``'s, charts, positions, permissions, queries."""

from __future__ import annotations

import datetime as dt
import json
from html import unescape
from io import StringIO

import numpy as np
import polars as pl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from backtests import performance as perf
from tests.factories import StrategyFactory, UserFactory
from tests.support.trading_history import CAPITAL, fill, positions, seeded_returns, snapshot_history

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _viewer_with(strategy, *, change: bool = False) -> Client:  # noqa: ANN001
    user = UserFactory(role="viewer")
    assign_perm("view_strategy", user, strategy)
    if change:
        assign_perm("change_strategy", user, strategy)
    client = Client()
    client.force_login(user)
    return client


def test_metrics_are_the_numbers_perf_report_prints(tmp_path) -> None:  # noqa: ANN001
    strategy = StrategyFactory(name="Momentum paper")
    returns = seeded_returns(600, seed=11)
    dates = snapshot_history(strategy, returns)
    board = perf.dashboard(perf.snapshot_frame([strategy.pk]))
    path = tmp_path / "returns.csv"
    pl.DataFrame({"date": dates[1:], "return": returns}).write_csv(path)
    out = StringIO()
    call_command("perf_report", "--returns", str(path), "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["conventions"]["periods_per_year"] == 252  # inferred from the daily dates
    page = board.summary.as_dict()
    for key in ("total_return", "annual_return", "annual_volatility", "sharpe_ratio", "sortino_ratio",
                "max_drawdown", "calmar_ratio", "value_at_risk", "hit_rate", "n_obs"):  # fmt: skip
        assert page[key] == pytest.approx(report[key], rel=1e-12), key
    # and independently of the metrics module: growth, Sharpe, equity
    assert board.summary.total_return == pytest.approx(np.prod(1 + returns) - 1, rel=1e-10)
    assert board.summary.sharpe_ratio == pytest.approx(returns.mean() / returns.std(ddof=1) * np.sqrt(252))
    assert board.last["equity"] == pytest.approx(CAPITAL * np.prod(1 + returns), rel=1e-9)
    assert board.last_day_pnl == pytest.approx(CAPITAL * np.prod(1 + returns) * (1 - 1 / (1 + returns[-1])), rel=1e-6)

    client = _viewer_with(strategy)
    html = client.get(reverse("backtests:performance", args=[strategy.pk])).content.decode()
    assert "<html" in html and "Momentum paper" in html
    assert f"{report['sharpe_ratio']:.3f}" in html and f"{report['max_drawdown'] * 100:.2f}%" in html
    assert 'data-bt-chart="perf_equity"' in html and 'data-bt-chart="perf_drawdown"' in html
    assert "every 10s [document.visibilityState === 'visible']" in unescape(html)
    year = dates[-1].year
    assert f"<th>{year}</th>" in html  # heatmap row of the last year
    monthly = pl.DataFrame({"date": dates[1:], "r": returns}).filter(pl.col("date").dt.year() == dates[1].year)
    jan = monthly.filter(pl.col("date").dt.month() == 1)["r"].to_numpy()
    assert f"{(np.prod(1 + jan) - 1) * 100:.1f}%" in html


def test_total_pools_the_books_and_shows_each_strategys_positions() -> None:
    owner = UserFactory(role="viewer")
    a, b = StrategyFactory(owner=owner, name="Alpha"), StrategyFactory(owner=owner, name="Beta")
    ra, rb = seeded_returns(30, seed=1), seeded_returns(30, seed=2)
    snapshot_history(a, ra)
    snapshot_history(b, rb)
    positions(a, {"AAA": (100, 50.0)})
    positions(b, {"BBB": (-40, 25.0)})
    board = perf.dashboard(perf.snapshot_frame([a.pk, b.pk]))
    # equal capital: the pooled return of day t is the equity-weighted mean of the two books' returns
    ea, eb = CAPITAL * np.cumprod(1 + ra), CAPITAL * np.cumprod(1 + rb)
    prev_a, prev_b = np.concatenate([[CAPITAL], ea[:-1]]), np.concatenate([[CAPITAL], eb[:-1]])
    pooled = (prev_a * ra + prev_b * rb) / (prev_a + prev_b)
    assert board.summary.total_return == pytest.approx(np.prod(1 + pooled) - 1, rel=1e-9)
    assert board.last["equity"] == pytest.approx(ea[-1] + eb[-1], rel=1e-9)
    client = Client()
    client.force_login(owner)
    html = client.get(reverse("backtests:performance_total")).content.decode()
    assert "all strategies" in html and "Alpha" in html and "Beta" in html
    assert "AAA" in html and "BBB" in html
    weight = 100 * 50.0 / ea[-1]
    assert f"{weight * 100:.2f}%" in html  # valued at cost without warehouse prices
    assert "No risk model" in html


def test_empty_state_names_the_command() -> None:
    strategy = StrategyFactory(name="Fresh")
    client = _viewer_with(strategy)
    html = client.get(reverse("backtests:performance", args=[strategy.pk])).content.decode()
    assert 'python manage.py paper_run --strategy "Fresh" --start' in unescape(html)


def test_viewer_without_a_grant_gets_404_everywhere() -> None:
    strategy = StrategyFactory()
    snapshot_history(strategy, seeded_returns(5))
    client = Client()
    client.force_login(UserFactory(role="viewer"))  # global view_strategy, no object grant
    assert client.get(reverse("backtests:performance", args=[strategy.pk])).status_code == 404
    assert client.get(reverse("backtests:performance_today", args=[strategy.pk]), headers=HX).status_code == 404
    total = client.get(reverse("backtests:performance_total")).content.decode()
    assert strategy.name not in total and "No trading history yet" in total


def test_today_card_is_a_fragment_for_htmx_and_a_page_when_opened() -> None:
    strategy = StrategyFactory()
    snapshot_history(strategy, seeded_returns(5))
    positions(strategy, {"12345": (10, 20.0)})
    client = _viewer_with(strategy)
    url = reverse("backtests:performance_today", args=[strategy.pk])
    fragment = client.get(url, headers=HX).content.decode()
    assert fragment.lstrip().startswith('<article class="card" id="backtests-today"') and "<html" not in fragment
    assert "valued at cost" in fragment
    assert "<html" in client.get(url).content.decode()


def test_live_marks_and_risk_exposures_from_the_demo_warehouse(risk_models, settings) -> None:  # noqa: ANN001
    from risk.services.loaded import load_model
    from warehouse import readers

    dirs, runs = risk_models
    for key, value in dirs.items():
        setattr(settings, key, value)
    strategy = StrategyFactory()
    snapshot_history(strategy, seeded_returns(20), start=dt.date(2024, 11, 1))
    model = load_model(runs[-1].version)
    held = model.exposures["permno"].head(3).to_list()
    positions(strategy, {str(p): (100 * (i + 1), 10.0) for i, p in enumerate(held)})
    bought = dt.date(2024, 12, 2)
    for i, p in enumerate(held):  # the anchors: bought at 1,000, 1,010, 1,020 (index dollars) on Dec 2
        fill(strategy, str(p), "buy", 100 * (i + 1), 1000.0 + 10 * i, bought)
    fill(strategy, str(held[0]), "buy", 1, 999.0, dt.date(2024, 11, 29))  # older: not the anchor
    rows = readers.crsp_daily(bought, dt.date(2024, 12, 31), permnos=held, columns=["permno", "date", "ret"])
    expected_pnl = 0.0
    for i, p in enumerate(held):
        r = rows.filter((pl.col("permno") == p) & (pl.col("date") > bought)).sort("date")["ret"].fill_null(0.0)
        level = (1000.0 + 10 * i) * np.cumprod(1.0 + r.to_numpy())
        expected_pnl += 100 * (i + 1) * (level[-1] - level[-2])
    snaps = perf.snapshot_frame([strategy.pk])
    held_rows = perf.open_positions([strategy.pk])
    assert {h.fill_date for h in held_rows} == {bought}
    marks = perf.latest_marks(perf.anchors(held_rows))
    assert marks.as_of == rows["date"].max()
    pos = perf.position_rows(held_rows, marks, perf.equity_by_strategy(snaps), {})
    assert expected_pnl != 0 and perf.today_pnl(pos, 1.0)["pnl"] == pytest.approx(expected_pnl, rel=1e-9)
    exposures = perf.risk_exposures(pos)
    assert exposures.covered == 3 and [e["factor"] for e in exposures.rows] == model.styles
    weights = {int(r.symbol): r.weight for r in pos}
    x = model.exposures.filter(pl.col("permno").is_in(held))
    style = model.styles[0]
    assert exposures.rows[0]["exposure"] == pytest.approx(
        sum(weights[p] * v for p, v in x.select("permno", style).iter_rows())
    )
    client = _viewer_with(strategy)
    html = client.get(reverse("backtests:performance", args=[strategy.pk])).content.decode()
    assert runs[-1].version in html and "No risk model" not in html


def test_strategy_page_links_to_its_performance_journal_and_comparison() -> None:
    strategy = StrategyFactory()
    client = _viewer_with(strategy)
    html = client.get(reverse("quant:strategy_detail", args=[strategy.pk])).content.decode()
    assert f'href="{reverse("backtests:performance", args=[strategy.pk])}"' in html
    assert f'href="{reverse("backtests:journal")}?strategy={strategy.pk}"' in html
    assert f'href="{reverse("backtests:compare")}?s={strategy.pk}"' in html
    nav = client.get(reverse("backtests:performance_total")).content.decode()
    assert f'href="{reverse("backtests:journal")}"' in nav  # the menu entries
