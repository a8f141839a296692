"""Risk dashboard on a real build: risk attribution, bias statistics over time, and the production
model from the registry (promoted version preferred, integrity checked)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pytest
from django.test import Client, override_settings
from django.utils.formats import date_format

from research.models import ModelVersion
from risk import selectors
from risk.analytics.portfolio import risk_attribution
from risk.models import Portfolio, RiskModelRun
from risk.services.jobs import risk_refresh, warehouse_last_date
from risk.services.loaded import load_model
from risk.services.model_build import factor_forecasts
from risk.services.reports import portfolio_weights
from tests.factories import UserFactory
from warehouse.models import DatasetReference
from warehouse.services import warehouse_sync_demo

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def builds(django_db_setup, django_db_blocker, tmp_path_factory):  # noqa: ANN001, ANN201
    """Two registered builds of a small demo warehouse: a quarter before its last date, and at it."""
    data = tmp_path_factory.mktemp("risk-dashboard")
    dirs = {"DATA_DIR": data, "WAREHOUSE_DIR": data / "warehouse", "ANALYTICS_DIR": data / "analytics",
            "LOCKS_DIR": data / "locks", "MODELS_DIR": data / "models"}  # fmt: skip
    with override_settings(**dirs), django_db_blocker.unblock():
        warehouse_sync_demo(stocks=300, years=3, seed=5, writer="test")
        last = warehouse_last_date()
        runs = [risk_refresh(as_of=day, writer="test") for day in (last - dt.timedelta(days=91), last)]
        yield dirs, runs
        Portfolio.objects.all().delete()
        RiskModelRun.objects.all().delete()
        ModelVersion.objects.filter(kind=ModelVersion.Kind.RISK_MODEL).delete()
        DatasetReference.objects.filter(holder__regex=r"^(risk_models|exposures):").delete()
        load_model.cache_clear()
        selectors.bias_history.cache_clear()


@pytest.fixture
def viewer(builds, settings) -> Client:  # noqa: ANN001
    for key, value in builds[0].items():
        setattr(settings, key, value)
    client = Client()
    client.force_login(UserFactory(role="viewer"))
    ModelVersion.objects.filter(kind=ModelVersion.Kind.RISK_MODEL).update(stage=ModelVersion.Stage.STAGING)
    return client


def test_decomposition_tile_shows_the_risk_attribution_of_the_portfolio(builds, viewer) -> None:
    run = builds[1][1]
    portfolio = Portfolio.objects.order_by("kind", "name").first()
    html = viewer.get("/risk/tiles/decomposition/", headers=HX).content.decode()
    assert html.lstrip().startswith('<div id="risk-decomposition"')
    loaded = load_model(run.version)
    w, _ = portfolio_weights(loaded, portfolio)
    rows = risk_attribution(loaded.model, w).to_dicts()
    market = next(r for r in rows if r["source"] == "market")
    annual = np.sqrt(252)
    cells = f"<td>{market['exposure']:+.2f}</td><td>{market['contribution'] * annual * 100:.2f} %</td>"
    assert f"<td>market</td>{cells}" in html
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)


def test_bias_tile_charts_the_rolling_bias_of_the_forecasts(builds, viewer) -> None:
    run = builds[1][1]
    page = viewer.get("/risk/").content.decode()
    assert 'id="risk-bias"' in page and "/risk/tiles/bias/" in page
    html = viewer.get("/risk/tiles/bias/", headers=HX).content.decode()
    assert html.lstrip().startswith('<div id="risk-bias"') and "<html" not in html
    data = json.loads(re.search(r'id="risk-bias-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    # The last point: std(return / forecast, ddof=1) over the last 63 sessions, averaged over factors.
    wide = load_model(run.version).factor_returns.pivot(on="factor", index="date", values="ret").sort("date")
    f = factor_forecasts(wide, 84, vra_half_life=42)
    expected = np.std(f.x[-63:] / f.vol[-63:], axis=0, ddof=1).mean()
    assert data["dates"][-1] == f.dates[-1].isoformat()
    assert data["series"]["mean of all factors"][-1] == pytest.approx(expected, abs=1e-4)
    assert data["band"] == pytest.approx([1 - np.sqrt(2 / 63), 1 + np.sqrt(2 / 63)])
    assert {"market", "momentum"} <= set(data["series"])
    assert "1 means the forecasts were right" in html and "Out-of-sample bias at the build" in html


def test_dashboard_uses_the_promoted_production_model(builds, viewer) -> None:
    older, latest = builds[1]
    page = viewer.get("/risk/").content.decode()
    assert "not promoted" in page and f"Model as of <strong>{date_format(latest.as_of)}</strong>" in page
    version = ModelVersion.objects.get(config__risk_model_version=older.version)
    ModelVersion.objects.filter(pk=version.pk).update(stage=ModelVersion.Stage.PRODUCTION)
    page = viewer.get("/risk/").content.decode()
    assert f"production {version.name} v{version.version}" in page
    assert f"Model as of <strong>{date_format(older.as_of)}</strong>" in page


def test_a_tampered_production_model_falls_back_to_the_latest_build(builds, viewer) -> None:
    older, latest = builds[1]
    version = ModelVersion.objects.get(config__risk_model_version=older.version)
    ModelVersion.objects.filter(pk=version.pk).update(stage=ModelVersion.Stage.PRODUCTION)
    target = Path(version.path) / "bias.parquet"
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"x")
        page = viewer.get("/risk/").content.decode()
    finally:
        target.write_bytes(original)
    assert "failed its integrity check" in page and f"Model as of <strong>{date_format(latest.as_of)}</strong>" in page
