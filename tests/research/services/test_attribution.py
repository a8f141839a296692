"""attribution through its service: the same numbers as the command, ``--save`` and the saved page."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from quant.io import sha256_file
from quant.models import SavedResult
from research.services.attribution import attribution_run
from tests.factories import UserFactory
from tests.support.shared_data import require_shared_file

pytestmark = pytest.mark.django_db

JSON_KEYS = {
    "frequency", "convention", "model", "alpha", "alpha_annualised", "betas", "t_stats", "std_errors",
    "p_values", "r2", "adj_r2", "n_obs", "dropped", "hac_lags", "lag_rule", "periods_per_year",
    "conditional", "rolling",
}  # fmt: skip


@pytest.fixture
def hitec(tmp_path: Path) -> tuple[Path, Path]:
    """The Ken French HiTec industry's 2019 daily returns and the folder of the factor files."""
    industries = require_shared_file("french", "10_Industry_Portfolios_daily.CSV")
    from warehouse.sources.french import read_french

    frame = read_french(industries)[0].frame.filter(pl.col("date").dt.year() == 2019)
    returns = tmp_path / "hitec.csv"
    frame.select("date", pl.col("HiTec").alias("return")).write_csv(returns)
    return returns, industries.parent


def _command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("attribution", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _args(returns: Path, factors: Path, *extra: str) -> list[str]:
    return ["--returns", str(returns), "--model", "ff5", "--factors", str(factors), "--conditional",
            "--rolling-window", "60", *extra]  # fmt: skip


def test_service_result_is_what_the_command_prints(hitec) -> None:
    returns, factors = hitec
    run = attribution_run(returns=returns, model="ff5", factors=factors, conditional=True, rolling_window=60)
    printed = json.loads(_command(*_args(returns, factors, "--format", "json"))[0])
    assert run.as_dict() == printed
    assert set(printed) == JSON_KEYS
    assert printed["n_obs"] == 252 and printed["hac_lags"] == 4 and len(printed["rolling"]) == 252 - 59
    assert 1.0 < run.result.betas["mktrf"] < 1.4 and run.result.r2 > 0.9
    assert run.dataset_versions == {}  # factors from files: no warehouse read


def test_save_stores_one_row_for_the_owner_and_leaves_stdout_unchanged(hitec, client) -> None:
    returns, factors = hitec
    owner = UserFactory(username="ada", role="researcher")
    plain, _ = _command(*_args(returns, factors, "--format", "json"))
    out, err = _command(*_args(returns, factors, "--format", "json", "--save", "--owner", "ada"))
    assert out == plain  # stdout stays one JSON document; the saved line goes to stderr
    saved = SavedResult.objects.get()
    assert saved.owner == owner and saved.kind == "attribution"
    assert err.strip() == f"saved attribution #{saved.pk} for ada: /research/saved/attribution/{saved.pk}/"
    assert saved.params["returns"] == {"name": "hitec.csv", "sha256": sha256_file(returns)}
    assert saved.params["model"] == "ff5" and saved.params["rolling_window"] == 60
    assert saved.params["factors"]["name"] == factors.name and len(saved.params["factors"]["sha256"]) == 64
    printed = json.loads(plain)
    assert saved.result["betas"] == printed["betas"] and saved.result["r2"] == printed["r2"]
    assert saved.result["rolling_chart"]["window"] == 60 and len(saved.result["rolling_chart"]["dates"]) == 193
    assert set(saved.result["rolling_chart"]["series"]) == {"mktrf", "smb", "hml", "rmw", "cma"}
    assert saved.code_version and saved.dataset_versions == {}

    client.force_login(owner)
    page = client.get(saved.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html.lower() and 'data-research-chart="exposure"' in html
    assert f"{printed['betas']['mktrf']:.4f}" in html and f"R² {printed['r2']:.3f}" in html
    assert f"{printed['alpha_annualised'] * 100:.2f}&nbsp;%" in html and f"{printed['t_stats']['mktrf']:.2f}" in html
    assert "Up market (mktrf &gt; 0)" in html and "hitec.csv" in html
    table = html[html.index('id="research-saved-coefficients"') :]
    assert [table.index(f"<td>{k}</td>") for k in ("alpha", "mktrf", "smb", "hml", "rmw", "cma")] == sorted(
        table.index(f"<td>{k}</td>") for k in ("alpha", "mktrf", "smb", "hml", "rmw", "cma")
    )  # the model's order, although the JSON column sorts its keys


def test_table_output_ends_with_the_saved_url(hitec) -> None:
    returns, factors = hitec
    UserFactory(username="ada")
    plain, _ = _command(*_args(returns, factors))
    out, _ = _command(*_args(returns, factors, "--save", "--owner", "ada"))
    saved = SavedResult.objects.get()
    assert out == plain + f"saved attribution #{saved.pk} for ada: /research/saved/attribution/{saved.pk}/\n"


def test_another_user_gets_404_and_an_admin_may_open_it(hitec, client) -> None:
    returns, factors = hitec
    UserFactory(username="ada")
    _command(*_args(returns, factors, "--save", "--owner", "ada"))
    url = SavedResult.objects.get().get_absolute_url()
    client.force_login(UserFactory(username="bob", role="operator"))
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(username="root", role="admin"))
    assert client.get(url).status_code == 200
    assert client.get(reverse("research:saved_alpha_report", args=[SavedResult.objects.get().pk])).status_code == 404


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--save"], "--save needs --owner USERNAME"),
        (["--save", "--owner", "nobody"], "--owner 'nobody': no active user with that name"),
        (["--owner", "ada"], "--owner is only used with --save"),
    ],
)
def test_bad_owner_is_one_clear_error_and_writes_nothing(hitec, extra: list[str], message: str) -> None:
    returns, factors = hitec
    UserFactory(username="ada")
    with pytest.raises(CommandError, match=message):
        _command(*_args(returns, factors, *extra))
    assert not SavedResult.objects.exists()


def test_a_failed_run_saves_nothing(tmp_path: Path) -> None:
    UserFactory(username="ada")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,ret\n2024-01-02,0.01\n")
    with pytest.raises(CommandError):
        _command("--returns", str(bad), "--factors", str(tmp_path), "--save", "--owner", "ada")
    assert not SavedResult.objects.exists()


@pytest.mark.slow
def test_saved_results_record_the_warehouse_versions_they_read(demo_reports, tmp_path: Path) -> None:
    from research import io
    from research.selectors import report_frame
    from warehouse.versions import dataset_versions

    UserFactory(username="ada")
    factors = io.warehouse_factors("daily")
    returns = tmp_path / "planted.csv"
    factors.select("date", (pl.col("rf") + 1e-4 + 1.2 * pl.col("mktrf")).alias("return")).write_csv(returns)
    _command("--returns", str(returns), "--save", "--owner", "ada")
    signal = tmp_path / "momentum.parquet"
    report_frame(next(r for r in demo_reports if r.signal == "momentum"), "values").write_parquet(signal)
    out = StringIO()
    call_command("alpha_report", "--signal", str(signal), "--warehouse", "--horizons", "21", "--backend", "local",
                 "--save", "--owner", "ada", stdout=out)  # fmt: skip
    versions = dataset_versions()
    attribution, alpha = SavedResult.objects.order_by("pk")
    assert attribution.dataset_versions == {"ff_factors": versions["ff_factors"]}
    assert attribution.params["factors"] == "warehouse ff_factors"
    assert attribution.result["betas"]["mktrf"] == pytest.approx(1.2, abs=1e-8)
    assert alpha.dataset_versions == {"crsp_daily": versions["crsp_daily"]}
    assert alpha.params["prices"] == "warehouse crsp_daily"
    assert out.getvalue().endswith(f"/research/saved/alpha/{alpha.pk}/\n")
