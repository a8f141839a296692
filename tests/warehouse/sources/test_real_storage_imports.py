"""Ken French import and the unified fetcher against the REAL warehouse (publish_dataset + readers)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

from quant import calendars
from tests.support.shared_data import require_shared_file
from warehouse import readers, storage
from warehouse.models_sync import ProviderUsage, SyncRun
from warehouse.services import warehouse_sync_demo

FRENCH_FILES = (
    "F-F_Research_Data_Factors.CSV", "F-F_Research_Data_Factors_daily.CSV", "F-F_Research_Data_5_Factors_2x3.CSV",
    "F-F_Research_Data_5_Factors_2x3_daily.CSV", "F-F_Momentum_Factor_daily.CSV", "10_Industry_Portfolios_daily.CSV",
    "49_Industry_Portfolios.CSV",
)  # fmt: skip


@pytest.fixture
def real(settings, wh):
    settings.WAREHOUSE_SINK = ""
    settings.CRSP_READERS = ""
    return settings


def first_block(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a Ken French CSV's first data block, read independently of the project's parser."""
    lines = re.split(r"\r?\n", path.read_text())
    start = next(i for i, line in enumerate(lines) if line.startswith(","))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip() or not line.strip()[0].isdigit():
            break
        rows.append([c.strip() for c in line.split(",")])
    return [h.strip() for h in lines[start].split(",")[1:]], rows


def as_date(token: str) -> dt.date:
    if len(token) == 8:
        return dt.date(int(token[:4]), int(token[4:6]), int(token[6:]))
    first = dt.date(int(token[:4]), int(token[4:6]), 1)
    return calendars.month_ends(first, first + dt.timedelta(days=31)).to_list()[0]  # the month's last session


@pytest.mark.django_db
def test_french_import_of_the_real_files_publishes_through_the_warehouse(real, tmp_path, capsys) -> None:
    sources = {name: require_shared_file("french", name) for name in FRENCH_FILES}
    for name, path in sources.items():
        with zipfile.ZipFile(tmp_path / name.replace(".CSV", "_CSV.zip"), "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(path, arcname=name)
    call_command("french_import", str(tmp_path))
    out = capsys.readouterr().out
    assert "ff_factors: " in out and "version 1" in out
    names = {"Mkt-RF": "mktrf", "SMB": "smb", "HML": "hml", "RF": "rf"}
    for file, frequency in (("F-F_Research_Data_Factors_daily.CSV", "daily"), ("F-F_Research_Data_Factors.CSV",
                                                                               "monthly")):  # fmt: skip
        header, rows = first_block(sources[file])
        for row in (rows[0], rows[-1]):
            day = as_date(row[0])
            got = readers.ff_factors(frequency, day, day)
            assert got.height == 1, (frequency, day)
            for column, value in zip(header, row[1:], strict=True):
                assert got[names[column]].item() == pytest.approx(float(value) / 100, abs=1e-12), (day, column)
        assert readers.ff_factors(frequency, dt.date(1900, 1, 1), dt.date(2100, 1, 1)).height == len(rows)
    ten = readers.ff_industries(10, "daily", "value", dt.date(1926, 7, 1), dt.date(1926, 7, 1))
    header, rows = first_block(sources["10_Industry_Portfolios_daily.CSV"])
    assert ten["industry"].to_list() == sorted(header)
    assert dict(ten.select("industry", "ret").iter_rows()) == pytest.approx(
        {h: float(v) / 100 for h, v in zip(header, rows[0][1:], strict=True)}, abs=1e-12
    )
    for dataset in ("ff_factors", "ff_industries"):
        manifest = storage.load_manifest(dataset, 1)
        assert manifest.source == "kenfrench" and manifest.validation.passed
    assert sorted(SyncRun.objects.values_list("dataset", "mode", "job__status", "version")) == [
        ("ff_factors", "import", "succeeded", "1"), ("ff_industries", "import", "succeeded", "1"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_fetch_data_auto_reads_crsp_from_a_demo_warehouse(real, tmp_path, capsys) -> None:
    warehouse_sync_demo(stocks=50, years=2, seed=7, writer="test")
    end, start = dt.date(2024, 6, 28), dt.date(2024, 6, 3)
    members = readers.universe(end)
    symbols = members["ticker"].head(2).to_list()
    permnos = dict(zip(members["ticker"], members["permno"], strict=True))
    args = ["--symbols", ",".join(symbols), "--start", str(start), "--end", str(end), "--provider", "auto"]
    call_command("fetch_data", *args, "--kind", "returns", "--output", str(tmp_path / "rets.parquet"))
    out = capsys.readouterr().out
    sessions = calendars.sessions(start, end).len()
    assert all(f"{s}: {sessions} rows from crsp" in out for s in symbols)
    got = pl.read_parquet(tmp_path / "rets.parquet")
    daily = readers.crsp_daily(start, end, permnos=[permnos[s] for s in symbols])
    want = daily.join(pl.DataFrame({"symbol": symbols, "permno": [permnos[s] for s in symbols]}), on="permno")
    assert got.select("symbol", "date", "ret").equals(want.select("symbol", "date", "ret").sort("symbol", "date"))
    call_command("fetch_data", *args, "--kind", "bars", "--output", str(tmp_path / "bars.parquet"))
    bars = pl.read_parquet(tmp_path / "bars.parquet")
    assert bars["close"].to_list() == want.sort("symbol", "date")["prc"].abs().to_list()
    call_command("fetch_data", *args[:2], "--start", "2023-01-01", "--end", "2024-12-31", "--provider", "auto",
                 "--kind", "fundamentals", "--output", str(tmp_path / "funda.parquet"))  # fmt: skip
    funda = pl.read_parquet(tmp_path / "funda.parquet")
    links = readers.read_dataset("ccm_link").filter(pl.col("lpermno").is_in([permnos[s] for s in symbols]))
    annual = readers.read_dataset("compustat_annual").join(links.select("gvkey", "lpermno"), on="gvkey")
    annual = annual.filter(pl.col("datadate").is_between(dt.date(2023, 1, 1), dt.date(2024, 12, 31)))
    assert funda.height == annual.height > 0
    assert sorted(funda.select("datadate", "at").rows()) == sorted(annual.select("datadate", "at").rows())
    usage = ProviderUsage.objects.filter(provider="crsp")
    assert usage.count() == 3 and all(usage.values_list("ok", flat=True))
    assert not ProviderUsage.objects.filter(provider="yfinance").exists()  # CRSP answered every symbol
