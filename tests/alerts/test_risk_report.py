"""The weekly risk report and the bias rule on a real risk model (the demo warehouse and two builds):
the VaR, stress and exposure numbers are the risk app's own portfolio report, in percent."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from alerts.models import Alert, AlertRule
from alerts.reports.render import render, write
from alerts.services import alerts_evaluate
from risk.selectors import bias_history, latest_run, report_for
from risk.services.loaded import load_model
from risk.services.portfolios import portfolio_save
from tests.backtests.conftest import risk_models  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "alerts"


@pytest.fixture
def model(risk_models, settings):  # noqa: ANN001, ANN201, F811
    dirs, runs = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    return runs[-1]


def test_weekly_risk_report_shows_the_portfolios_var_and_stress_in_percent(model, tmp_path) -> None:  # noqa: ANN001
    permnos = load_model(model.version).permnos.tolist()[:20]
    portfolio = portfolio_save(name="Twenty", weights={p: 0.05 for p in permnos}, run=model)
    expected = report_for(latest_run(), portfolio)
    rendered = render("weekly_risk", dt.date(2024, 12, 23), dt.date(2024, 12, 29))
    html = " ".join(rendered.html.split())
    for v in expected.var:
        assert f"{100 * float(v['var']):.2f}" in html and f"{100 * float(v['cvar']):.2f}" in html
    stressed = [s for s in expected.stress if s.get("pnl") is not None]
    assert stressed and all(f"{100 * float(s['pnl']):.2f}" in html for s in stressed)
    assert f"Total volatility {100 * expected.total_vol_annual:.2f} % a year" in html
    assert "Twenty: active exposures (styles in σ, sectors as weight)" in html
    _, pdf = write(rendered, tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", "-f", "1", "-l", "1", str(pdf),
                    str(ARTIFACTS / "weekly_risk_with_model")], check=True)  # fmt: skip


def test_the_bias_rule_fires_outside_its_band_with_the_models_own_statistic(model) -> None:  # noqa: ANN001
    history = bias_history(model.version)
    last = [v for v in history.series["mean of all factors"] if v is not None][-1]
    AlertRule.objects.create(name="tight", kind="risk_bias", threshold=abs(last - 1) / 2)  # band excludes it
    AlertRule.objects.create(name="wide", kind="risk_bias", threshold=abs(last - 1) + 0.5)  # band includes it
    alerts_evaluate()
    alert = Alert.objects.get()
    assert alert.rule.name == "tight" and alert.value == pytest.approx(last) and model.version in alert.subject
