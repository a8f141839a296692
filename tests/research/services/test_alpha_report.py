"""alpha_report through its service: the same report as the command, ``--save`` and the saved page."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from quant.io import sha256_file
from quant.models import SavedResult
from research.analytics.ic import forward_returns, ic_by_date
from research.services.alpha_report import alpha_report_run
from tests.factories import UserFactory
from tests.research.test_commands import _files

pytestmark = pytest.mark.django_db

REPORT_KEYS = {
    "convention", "quantiles", "periods_per_year", "n_signal_rows", "n_dates", "n_assets", "turnover_top",
    "turnover_bottom", "rank_autocorrelation_lag1", "horizons",
}  # fmt: skip
HORIZON_KEYS = {
    "h", "ic", "rank_ic", "n_pairs", "dropped_no_forward_return", "dropped_null_signal", "null_ic_dates",
    "sign_agreement", "quantile_mean_returns", "long_short_mean", "group_mean_ic",
}  # fmt: skip


def _command(signal: Path, prices: Path, *extra: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("alpha_report", "--signal", str(signal), "--prices", str(prices), "--horizons", "1,5",
                 "--backend", "local", *extra, stdout=out, stderr=err)  # fmt: skip
    return out.getvalue(), err.getvalue()


def test_service_report_is_what_the_command_prints(tmp_path: Path) -> None:
    signal, prices = _files(tmp_path)
    run = alpha_report_run(signal=signal, prices=prices, horizons=[1, 5], backend="local")
    printed = json.loads(_command(signal, prices, "--format", "json")[0])
    assert json.loads(json.dumps(run.report.as_dict(), default=str)) == printed
    assert set(printed) == REPORT_KEYS and set(printed["horizons"][0]) == HORIZON_KEYS
    sig = pl.read_parquet(signal).with_columns(pl.col("asset").cast(pl.Utf8))
    direct = ic_by_date(sig, forward_returns(pl.read_csv(prices, try_parse_dates=True), [1]))
    assert run.report.horizons[0].ic["mean"] == pytest.approx(direct["ic"].mean(), abs=1e-12)
    assert run.report.horizons[0].ic["n_dates"] == 39 and run.dataset_versions == {}


def test_service_needs_exactly_one_price_source(tmp_path: Path) -> None:
    signal, prices = _files(tmp_path)
    with pytest.raises(ValueError, match="either a price file or warehouse"):
        alpha_report_run(signal=signal, prices=prices, warehouse=True)
    with pytest.raises(ValueError, match="either a price file or warehouse"):
        alpha_report_run(signal=signal)


def test_save_stores_the_report_and_the_page_shows_its_numbers(tmp_path: Path, client) -> None:
    signal, prices = _files(tmp_path)
    owner = UserFactory(username="ada", role="researcher")
    plain, _ = _command(signal, prices, "--format", "json")
    out, err = _command(signal, prices, "--format", "json", "--save", "--owner", "ada")
    assert out == plain
    saved = SavedResult.objects.get()
    assert saved.owner == owner and saved.kind == "alpha_report" and saved.title == "Alpha report of signal.parquet"
    assert err.strip().endswith(f"/research/saved/alpha/{saved.pk}/")
    assert saved.params["signal"] == {"name": "signal.parquet", "sha256": sha256_file(signal)}
    assert saved.params["prices"] == {"name": "prices.csv", "sha256": sha256_file(prices)}
    assert saved.params["horizons"] == [1, 5] and saved.params["quantiles"] == 5 and saved.params["groups"] is None
    printed = json.loads(plain)
    h1 = printed["horizons"][0]
    assert saved.result["horizons"] == printed["horizons"]
    assert saved.result["decay"][0] == {"h": 1, "ic_mean": h1["ic"]["mean"], "rank_ic_mean": h1["rank_ic"]["mean"]}

    client.force_login(owner)
    html = client.get(saved.get_absolute_url()).content.decode()
    assert f"{h1['ic']['mean']:.4f}" in html and f"{h1['ic']['t_stat']:.2f}" in html
    assert f"{h1['long_short_mean'] * 100:.3f}&nbsp;%" in html and 'data-research-chart="decay"' in html
    client.force_login(UserFactory(username="bob", role="researcher"))
    assert client.get(saved.get_absolute_url()).status_code == 404


def test_bad_owner_writes_nothing(tmp_path: Path) -> None:
    signal, prices = _files(tmp_path)
    with pytest.raises(CommandError, match="no active user"):
        _command(signal, prices, "--save", "--owner", "ghost")
    assert not SavedResult.objects.exists()
