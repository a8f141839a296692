"""perf_report through its service: the same numbers as the command, ``--save`` and the saved page."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from backtests.analytics import metrics as m
from backtests.services.perf_report import perf_report_curves, perf_report_run
from quant.io import sha256_file
from quant.models import SavedResult
from tests.backtests.management.test_perf_report import monthly_file
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JSON_KEYS = {
    "file", "start", "end", "n_obs", "n_missing", "total_return", "annual_return", "annual_volatility",
    "sharpe_ratio", "sortino_ratio", "downside_risk", "max_drawdown", "max_drawdown_peak", "max_drawdown_trough",
    "max_drawdown_recovery", "calmar_ratio", "omega_ratio", "hit_rate", "value_at_risk", "conditional_value_at_risk",
    "tail_ratio", "stability", "skew", "excess_kurtosis", "benchmark", "conventions", "notes",
}  # fmt: skip


def _command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("perf_report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_service_report_is_what_the_command_prints(tmp_path: Path) -> None:
    path, r = monthly_file(tmp_path)
    report = perf_report_run(returns=str(path), risk_free=0.03)
    printed = json.loads(_command("--returns", str(path), "--format", "json", "--risk-free", "0.03")[0])
    assert report.as_dict() == printed and set(printed) == JSON_KEYS
    assert printed["annual_return"] == pytest.approx(np.prod(1 + r) ** (12 / 47) - 1, rel=1e-12)
    assert printed["conventions"]["risk_free_annual"] == 0.03


def test_curves_are_growth_and_drawdown_of_the_present_returns(tmp_path: Path) -> None:
    path, r = monthly_file(tmp_path)
    curves = perf_report_curves(perf_report_run(returns=path, benchmark=path))
    assert len(curves["dates"]) == 47 and curves["dates"][0] == "2020-01-31"
    np.testing.assert_allclose(curves["equity"], np.cumprod(1 + r), rtol=1e-12)
    assert min(curves["drawdown"]) == pytest.approx(m.max_drawdown(r), rel=1e-12)
    assert curves["benchmark"] == curves["equity"]


def test_service_errors_keep_the_commands_messages(tmp_path: Path) -> None:
    path, _ = monthly_file(tmp_path)
    with pytest.raises(ValueError, match="--confidence in \\(0, 1\\)"):
        perf_report_run(returns=path, confidence=1.5)
    with pytest.raises(CommandError, match="--confidence in \\(0, 1\\)"):
        _command("--returns", str(path), "--confidence", "1.5")


def test_save_stores_the_report_and_the_page_shows_its_numbers(tmp_path: Path, client) -> None:
    path, r = monthly_file(tmp_path)
    owner = UserFactory(username="ada", role="researcher")
    plain, _ = _command("--returns", str(path), "--format", "json")
    out, err = _command("--returns", str(path), "--format", "json", "--save", "--owner", "ada")
    assert out == plain
    saved = SavedResult.objects.get()
    assert saved.owner == owner and saved.kind == "perf_report" and saved.title == "Performance of monthly.csv"
    assert err.strip() == f"saved perf_report #{saved.pk} for ada: /backtests/saved/{saved.pk}/"
    assert saved.params == {"returns": {"name": "monthly.csv", "sha256": sha256_file(path)}, "benchmark": None,
                            "periods_per_year": None, "risk_free": 0.0, "confidence": 0.95}  # fmt: skip
    printed = json.loads(plain)
    assert {k: v for k, v in saved.result.items() if k != "chart"} == printed
    assert len(saved.result["chart"]["equity"]) == 47

    client.force_login(owner)
    html = client.get(saved.get_absolute_url()).content.decode()
    assert f"{printed['annual_return'] * 100:.2f}%" in html and f"{printed['sharpe_ratio']:.2f}" in html
    assert f"{printed['max_drawdown'] * 100:.2f}%" in html
    assert 'data-bt-chart="equity"' in html and 'data-bt-chart="drawdown"' in html and "assumed monthly" in html
    table = html[html.index('id="backtests-saved-metrics"') :]
    assert table.index("<td>start</td>") < table.index("<td>end</td>") < table.index("<td>total_return</td>")
    assert '<td>n_obs</td><td class="num">47</td>' in table  # the summary's order; counts as integers
    client.force_login(UserFactory(username="bob", role="operator"))
    assert client.get(saved.get_absolute_url()).status_code == 404


def test_table_output_with_save_ends_with_the_url(tmp_path: Path) -> None:
    path, _ = monthly_file(tmp_path)
    UserFactory(username="ada")
    plain, _ = _command("--returns", str(path))
    out, _ = _command("--returns", str(path), "--save", "--owner", "ada")
    saved = SavedResult.objects.get()
    assert out == plain + f"saved perf_report #{saved.pk} for ada: /backtests/saved/{saved.pk}/\n"


def test_bad_owner_or_bad_file_writes_nothing(tmp_path: Path) -> None:
    path, _ = monthly_file(tmp_path)
    UserFactory(username="ada")
    with pytest.raises(CommandError, match="--save needs --owner"):
        _command("--returns", str(path), "--save")
    with pytest.raises(CommandError, match="no such file"):
        _command("--returns", str(tmp_path / "missing.csv"), "--save", "--owner", "ada")
    assert not SavedResult.objects.exists()
