"""Monte Carlo and benchmark-relative pages of a run: full page, fragment, numbers, empty states."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from backtests.analytics.metrics import rolling_alpha_beta, up_capture, up_down_capture
from backtests.diagnostics import run_monte_carlo, run_relative
from backtests.services.results import read_series
from tests.backtests.factories import finished_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def viewer_run() -> tuple[Client, object]:
    user = UserFactory(role="viewer")
    client = Client()
    client.force_login(user)
    return client, finished_run(user)


def test_monte_carlo_page_opens_directly_with_the_method_form(viewer_run) -> None:
    client, run = viewer_run
    html = client.get(reverse("backtests:montecarlo", args=[run.pk])).content.decode()
    assert "<html" in html and 'id="backtests-montecarlo"' in html
    for value in ("stationary", "shuffle", "trades"):
        assert f'<option value="{value}"' in html
    assert 'name="paths"' in html and "500 stationary bootstrap paths" in html
    expected = run_monte_carlo(run).intervals[0]
    assert f"{expected['lower']:.2f}" in html and f"{expected['upper']:.2f}" in html


def test_trade_resampling_fragment_shows_its_own_bands(viewer_run) -> None:
    client, run = viewer_run
    url = reverse("backtests:montecarlo", args=[run.pk])
    html = client.get(url, {"method": "trades", "paths": 200}, headers=HX).content.decode()
    assert html.lstrip().startswith('<section id="backtests-montecarlo"') and "<html" not in html
    assert 'hx-push-url="false"' in html  # the run page's tile swaps in place
    own_page = {**HX, "HX-Current-URL": f"http://testserver{url}?method=shuffle"}
    resampled = client.get(url, {"method": "trades", "paths": 200}, headers=own_page).content.decode()
    assert 'hx-push-url="true"' in resampled  # on its own page the address bar keeps the settings
    shared = client.get(url, {"method": "trades", "paths": 200}).content.decode()  # opened in a new tab
    assert "<html" in shared and '<option value="trades" selected>' in shared
    view = run_monte_carlo(run, method="trades", n_sims=200)
    rebalances = read_series(run, "trades")["date"].n_unique()
    assert view.n_steps == rebalances > 20  # one holding period per (monthly) rebalance
    assert f"200 trade-resampling paths of {rebalances} holding-period returns" in html
    cagr = view.intervals[1]
    assert f"{cagr['lower'] * 100:.1f}%" in html and 'data-x-label="holding periods"' in html


def test_shuffling_keeps_sharpe_and_cagr_of_every_path(viewer_run) -> None:
    _, run = viewer_run
    view = run_monte_carlo(run, method="shuffle", n_sims=100)
    sharpe, cagr, mdd = view.intervals
    assert sharpe["lower"] == pytest.approx(sharpe["estimate"]) == pytest.approx(sharpe["upper"])
    assert cagr["lower"] == pytest.approx(cagr["estimate"]) == pytest.approx(cagr["upper"])
    assert mdd["lower"] < mdd["upper"]  # the order, hence the drawdown, changes


def test_monte_carlo_form_errors_are_shown_beside_the_field(viewer_run) -> None:
    client, run = viewer_run
    html = client.get(reverse("backtests:montecarlo", args=[run.pk]), {"paths": "5"}, headers=HX).content.decode()
    assert "greater than or equal to 100" in html and "backtests-fan-data" not in html


def test_relative_page_shows_capture_ratios_and_rolling_charts(viewer_run) -> None:
    client, run = viewer_run
    daily = read_series(run, "daily").sort("date")
    net, bench = daily["net_return"].to_numpy(), daily["benchmark"].to_numpy()
    html = client.get(reverse("backtests:relative", args=[run.pk])).content.decode()
    assert "<html" in html and 'id="backtests-relative"' in html
    assert f"{up_capture(net, bench):.2f}" in html and f"{up_down_capture(net, bench):.2f}" in html
    for chart in ("rolling_alpha_beta", "rolling_drawdown"):
        assert f'data-bt-chart="{chart}"' in html
    rel = run_relative(run)
    assert rel is not None and len(rel.charts["dates"]) == daily.height - 252 + 1
    last = rolling_alpha_beta(net, bench, 252)[-1]
    assert rel.charts["beta"][-1] == pytest.approx(last.beta, abs=1e-3)
    fragment = client.get(reverse("backtests:relative", args=[run.pk]), headers=HX).content.decode()
    assert fragment.lstrip().startswith('<section id="backtests-relative"') and "<html" not in fragment


def test_relative_page_without_a_benchmark_shows_an_empty_state(viewer_run, monkeypatch) -> None:
    client, run = viewer_run
    monkeypatch.setattr("backtests.views.results.run_relative", lambda run: None)
    html = client.get(reverse("backtests:relative", args=[run.pk]), headers=HX).content.decode()
    assert "No benchmark for this run" in html and "warehouse_sync --source demo" in html


def test_run_page_loads_both_diagnostics_tiles(viewer_run) -> None:
    client, run = viewer_run
    html = client.get(reverse("backtests:results", args=[run.pk]), headers=HX).content.decode()
    assert f'hx-get="{reverse("backtests:relative", args=[run.pk])}"' in html
    assert f'hx-get="{reverse("backtests:montecarlo", args=[run.pk])}"' in html
    assert np.isfinite(run.sharpe)
