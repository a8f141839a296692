from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from django.core.management import CommandError, call_command

from research.analytics.ic import forward_returns, ic_by_date
from tests.support.shared_data import require_shared_file


def _files(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(8)
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    assets = [f"S{i}" for i in range(15)]
    r = rng.normal(0, 0.01, (40, 15))
    px = 50 * np.exp(np.cumsum(r, axis=0))
    sig = np.roll(r, -1, axis=0) + rng.normal(0, 0.01, r.shape)
    long = {"date": [d for d in dates for _ in assets], "asset": assets * 40}
    prices = tmp_path / "prices.csv"
    signal = tmp_path / "signal.parquet"
    pl.DataFrame({**long, "price": px.ravel()}).write_csv(prices)
    pl.DataFrame({**long, "value": sig.ravel()}).write_parquet(signal)
    return signal, prices


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _alpha_report_json(signal: Path, prices: Path, *options: str) -> dict[str, Any]:
    """`alpha_report` of ``signal`` against ``prices`` on the local backend, its JSON output parsed."""
    return json.loads(
        _run(
            "alpha_report",
            "--signal",
            str(signal),
            "--prices",
            str(prices),
            *options,
            "--format",
            "json",
            "--backend",
            "local",
        )
    )


def test_alpha_report_json_matches_the_analytics(tmp_path: Path) -> None:
    signal, prices = _files(tmp_path)
    out = _alpha_report_json(signal, prices, "--horizons", "1,5", "--quantiles", "5")
    assert "price file's own calendar" in out["convention"]
    h1 = out["horizons"][0]
    sig = pl.read_parquet(signal).with_columns(pl.col("asset").cast(pl.Utf8))
    px = pl.read_csv(prices, try_parse_dates=True)
    direct = ic_by_date(sig, forward_returns(px, [1]))
    assert h1["h"] == 1 and h1["ic"]["mean"] == pytest.approx(direct["ic"].mean(), abs=1e-12)
    assert h1["ic"]["n_dates"] == 39 and h1["ic"]["n_null"] == 1
    assert h1["dropped_no_forward_return"] == 15
    assert out["horizons"][1]["dropped_no_forward_return"] == 75
    assert h1["ic"]["mean"] > 0.3  # the signal is built from next-day returns
    assert set(h1["quantile_mean_returns"]) == {"1", "2", "3", "4", "5"}


def test_alpha_report_table_states_the_convention(tmp_path: Path) -> None:
    signal, prices = _files(tmp_path)
    text = _run("alpha_report", "--signal", str(signal), "--prices", str(prices), "--backend", "local")
    assert "mean IC" in text and "long-short Q5-Q1" in text and "convention: fwd_ret" in text


def test_alpha_report_errors_are_clear(tmp_path: Path) -> None:
    signal, prices = _files(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("date,asset,val\n2024-01-01,A,1\n")
    with pytest.raises(CommandError, match="missing column"):
        _run("alpha_report", "--signal", str(bad), "--prices", str(prices))
    far = tmp_path / "far.csv"
    far.write_text("date,asset,value\n1990-01-01,S1,1\n")
    with pytest.raises(CommandError, match="no \\(date, asset\\) in common"):
        _run("alpha_report", "--signal", str(far), "--prices", str(prices))
    with pytest.raises(CommandError, match="--horizons"):
        _run("alpha_report", "--signal", str(signal), "--prices", str(prices), "--horizons", "1,x")


def test_alpha_report_warehouse_without_data_names_the_sync_command(tmp_path: Path, settings) -> None:
    settings.WAREHOUSE_DIR = tmp_path / "empty-warehouse"
    signal, _ = _files(tmp_path)
    with pytest.raises(CommandError, match="warehouse_sync --source demo"):
        _run("alpha_report", "--signal", str(signal), "--warehouse")


def test_attribution_command_json_names_coefficients_by_factor(tmp_path: Path) -> None:
    industries = require_shared_file("french", "10_Industry_Portfolios_daily.CSV")
    factors_dir = industries.parent
    from warehouse.sources.french import read_french

    frame = read_french(industries)[0].frame.filter(pl.col("date").dt.year() == 2019)
    returns = tmp_path / "r.csv"
    frame.select("date", pl.col("HiTec").alias("return")).write_csv(returns)
    out = json.loads(
        _run(
            "attribution",
            "--returns",
            str(returns),
            "--model",
            "ff5",
            "--factors",
            str(factors_dir),
            "--format",
            "json",
            "--conditional",
        )
    )
    assert set(out["betas"]) == {"mktrf", "smb", "hml", "rmw", "cma"}
    assert set(out["t_stats"]) == {"alpha", "mktrf", "smb", "hml", "rmw", "cma"}
    assert out["n_obs"] == 252 and out["dropped"] == 0 and out["hac_lags"] == 4
    assert 1.0 < out["betas"]["mktrf"] < 1.4 and out["r2"] > 0.9
    assert out["conditional"]["up"]["n_obs"] + out["conditional"]["down"]["n_obs"] <= 252


def test_attribution_without_factors_names_the_import_commands(tmp_path: Path, settings) -> None:
    settings.WAREHOUSE_DIR = tmp_path / "empty-warehouse"
    returns = tmp_path / "r.csv"
    returns.write_text("date,return\n2024-01-02,0.01\n")
    with pytest.raises(CommandError, match="warehouse_sync"):
        _run("attribution", "--returns", str(returns), "--model", "ff3")


def test_alpha_report_groups_give_per_group_mean_ic(tmp_path: Path) -> None:
    signal, prices = _files(tmp_path)
    groups = tmp_path / "sectors.csv"
    pl.DataFrame({"asset": [f"S{i}" for i in range(15)], "group": ["10"] * 8 + ["20"] * 7}).write_csv(groups)
    out = _alpha_report_json(signal, prices, "--groups", str(groups), "--horizons", "1")
    by_group = out["horizons"][0]["group_mean_ic"]
    assert set(by_group) == {"10", "20"}
    sig = pl.read_parquet(signal)
    px = pl.read_csv(prices, try_parse_dates=True)
    in_20 = pl.col("asset").is_in([f"S{i}" for i in range(8, 15)])
    direct = ic_by_date(sig.filter(in_20), forward_returns(px.filter(in_20), [1]))
    assert by_group["20"]["mean_ic"] == pytest.approx(direct["ic"].mean(), abs=1e-12)
    assert by_group["20"]["n_dates"] == 39
    text = _run(
        "alpha_report",
        "--signal",
        str(signal),
        "--prices",
        str(prices),
        "--groups",
        str(groups),
        "--backend",
        "local",
    )
    assert "IC in 10" in text and "IC in 20" in text
