"""One-click backtest of a research signal (``backtests.services.launch``, through the backtest job
service) and its FF attribution (``backtests.services.attribution``), on the research demo reports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backtests.models import BacktestRun
from backtests.services import backtest_run_execute
from backtests.services.attribution import backtest_attribution
from backtests.services.launch import signal_backtest_create
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def momentum_run(demo_reports, settings, tmp_path) -> BacktestRun:
    settings.BACKTESTS_DIR = tmp_path / "backtests"
    user = UserFactory(role="researcher")
    run = signal_backtest_create(signal="momentum", owner=user).run
    # on_commit never fires inside a test transaction: run the task's service directly
    backtest_run_execute(run_id=run.pk, task_id="test")
    run.refresh_from_db()
    assert run.job.status == "succeeded", run.job.error
    return run


def test_momentum_backtest_loads_on_umd(momentum_run: BacktestRun) -> None:
    """A long-short momentum decile book must load positively and significantly on UMD (the demo's
    UMD is the long-short 12-1 momentum portfolio of the same cross-section)."""
    out = backtest_attribution(run=momentum_run, model="ff6")
    assert out.result.betas["umd"] > 0.3 and out.result.t_stats["umd"] > 3
    assert out.result.n_obs > 500 and set(out.rolling.columns) >= {"date", "umd", "mktrf"}
    up, down = out.conditional.up, out.conditional.down  # type: ignore[union-attr]
    assert up.n_obs + down.n_obs <= out.result.n_obs and min(up.n_obs, down.n_obs) > 100
    assert up.betas["umd"] > 0.3 and down.betas["umd"] > 0.3  # momentum loads on UMD in both regimes


def test_attribution_page_and_one_click_backtest_view(momentum_run: BacktestRun, client) -> None:
    client.force_login(momentum_run.owner)
    page = client.get(reverse("backtests:attribution", args=[momentum_run.pk]), {"model": "ff6"}).content.decode()
    assert "umd" in page and "Newey-West t" in page and 'data-research-chart="exposure"' in page
    assert "Up- and down-market attribution" in page and "mktrf &gt; 0" in page
    # The research signal page loads its backtests tile from the backtests app (research never imports it).
    signal_page = client.get(reverse("research:signal", args=["momentum"])).content.decode()
    tile_url = reverse("backtests:signal_runs", args=["momentum"])
    assert f'hx-get="{tile_url}"' in signal_page and 'id="backtests-signal-runs"' in signal_page
    tile = client.get(tile_url, headers={"HX-Request": "true"}).content.decode()
    assert tile.strip().startswith('<div id="backtests-signal-runs">') and "<html" not in tile
    assert reverse("backtests:attribution", args=[momentum_run.pk]) in tile
    assert reverse("backtests:signal_backtest", args=["momentum"]) in tile
    response = client.post(reverse("backtests:signal_backtest", args=["momentum"]))
    assert response.status_code == 302 and response["Location"] == reverse("backtests:detail", args=[momentum_run.pk])
    sue = client.post(reverse("backtests:signal_backtest", args=["sue"]))  # every registered signal backtests
    queued = BacktestRun.objects.exclude(pk=momentum_run.pk).get()
    assert sue.status_code == 302 and sue["Location"] == reverse("backtests:detail", args=[queued.pk])
    assert queued.config["signal"] == "sue" and "compustat_quarterly" in queued.dataset_versions
    assert client.get(reverse("backtests:signal_runs", args=["nonsense"])).status_code == 404


def test_viewer_cannot_launch_a_backtest(demo_reports, client) -> None:
    client.force_login(UserFactory(role="viewer"))
    assert client.post(reverse("backtests:signal_backtest", args=["momentum"])).status_code == 403


def test_attribution_of_a_sub_period_fits_only_those_days(momentum_run: BacktestRun, client) -> None:
    whole = backtest_attribution(run=momentum_run, model="ff3")
    first, last = whole.period  # type: ignore[misc]
    cut = first + (last - first) / 2
    half = backtest_attribution(run=momentum_run, model="ff3", start=cut)
    assert half.period[0] >= cut and half.period[1] == last  # type: ignore[index]
    assert 0 < half.result.n_obs < whole.result.n_obs
    # the same regression on the same days through the research service
    from backtests.services.results import read_series
    from research import io
    from research.services.attribution import attribution_fit

    days = read_series(momentum_run, "daily").select("date", "net_return").drop_nulls()
    days = days.filter(days["date"] >= cut).rename({"net_return": "return"})
    factors = io.warehouse_factors("daily", days["date"].min(), days["date"].max())
    direct = attribution_fit(returns=days, factors=factors, model="ff3", frequency="daily").result
    assert half.result.alpha == pytest.approx(direct.alpha, rel=1e-12)
    assert half.result.betas == pytest.approx(direct.betas, rel=1e-12)

    client.force_login(momentum_run.owner)
    url = reverse("backtests:attribution", args=[momentum_run.pk])
    page = client.get(url).content.decode()  # defaults: the run's whole period, shown in the form
    assert f'name="start" value="{first.isoformat()}"' in page and f'max="{last.isoformat()}"' in page
    page = client.get(url, {"model": "ff3", "start": cut.isoformat()}).content.decode()
    assert f"{half.result.n_obs} days" in page and 'name="model" value="ff3"' in page
    bad = client.get(url, {"start": last.isoformat(), "end": first.isoformat()}).content.decode()
    assert f"The start {last.isoformat()} is after the end {first.isoformat()}." in bad
    short = client.get(url, {"start": last.isoformat()}).content.decode()
    assert "the chosen period has fewer than 30 daily returns" in short
