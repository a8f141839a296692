"""Ken French sync through pandas-datareader against a loopback server serving zips of the real files."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas_datareader.famafrench as famafrench
import polars as pl
import pytest
from django.core.management import CommandError, call_command
from pandas_datareader._utils import RemoteDataError
from werkzeug.wrappers import Response

from tests.support.parquet_sink import ParquetSink
from tests.support.shared_data import require_shared_file
from warehouse.models_sync import SyncRun
from warehouse.sources.kenfrench import FILES, french_import, french_sync

SHARED_FILES = {
    "F-F_Research_Data_Factors": "F-F_Research_Data_Factors.CSV",
    "F-F_Research_Data_Factors_daily": "F-F_Research_Data_Factors_daily.CSV",
    "F-F_Research_Data_5_Factors_2x3": "F-F_Research_Data_5_Factors_2x3.CSV",
    "F-F_Research_Data_5_Factors_2x3_daily": "F-F_Research_Data_5_Factors_2x3_daily.CSV",
    "F-F_Momentum_Factor_daily": "F-F_Momentum_Factor_daily.CSV",
    "10_Industry_Portfolios_daily": "10_Industry_Portfolios_daily.CSV",
    "49_Industry_Portfolios": "49_Industry_Portfolios.CSV",
}
FACTOR_NAMES = {"Mkt-RF": "mktrf", "SMB": "smb", "HML": "hml", "RMW": "rmw", "CMA": "cma", "RF": "rf", "Mom": "umd"}


def csv_blocks(text: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """Independent reading of a French CSV: (title, header, rows) per data block."""
    lines = re.split(r"\r?\n", text)
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].startswith(","):
            title = lines[i - 1].strip() if i > 0 else ""
            header = [h.strip() for h in lines[i].split(",")[1:]]
            rows = []
            i += 1
            while i < len(lines) and lines[i].strip() and lines[i].strip()[0].isdigit():
                rows.append([c.strip() for c in lines[i].split(",")])
                i += 1
            blocks.append((title, header, rows))
        i += 1
    return blocks


def to_date(token: str) -> tuple[int, int, int | None]:
    return (int(token[:4]), int(token[4:6]), int(token[6:8]) if len(token) == 8 else None)


def value(token: str) -> float | None:
    return None if float(token) in (-99.99, -999.0) else float(token) / 100


@pytest.fixture(scope="module")
def french_dir() -> Path:
    for file in SHARED_FILES.values():
        require_shared_file("french", file)  # skips, naming the file, when the shared data is absent
    return require_shared_file("french", SHARED_FILES["F-F_Research_Data_Factors"]).parent


@pytest.fixture(scope="module")
def zips(french_dir: Path) -> dict[str, bytes]:
    out = {}
    for name, file in SHARED_FILES.items():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(file, (french_dir / file).read_bytes())
        out[name] = buffer.getvalue()
    return out


@pytest.fixture(scope="module")
def synced(zips, tmp_path_factory, make_httpserver) -> dict[str, pl.DataFrame]:
    server = make_httpserver
    for name, data in zips.items():
        server.expect_request(f"/ftp/{name}_CSV.zip").respond_with_data(data, content_type="application/zip")
    mp = pytest.MonkeyPatch()
    mp.setattr(famafrench, "_URL", server.url_for("/"))
    sink = ParquetSink(tmp_path_factory.mktemp("french"))
    try:
        results = french_sync(sink, files=list(SHARED_FILES), retry_count=0)
    finally:
        mp.undo()
        server.clear()
    assert [(r.dataset, r.version) for r in results] == [("ff_factors", "v0001"), ("ff_industries", "v0001")]
    return {r.dataset: sink.read_current(r.dataset) for r in results}


def _row(frame: pl.DataFrame, frequency: str, ymd: tuple[int, int, int | None]) -> pl.DataFrame:
    year, month, day = ymd
    out = frame.filter(pl.col("frequency") == frequency, pl.col("date").dt.year() == year,
                       pl.col("date").dt.month() == month)  # fmt: skip
    return out.filter(pl.col("date").dt.day() == day) if day else out


@pytest.mark.parametrize("name", [n for n in SHARED_FILES if "Industry" not in n])
def test_factor_values_match_the_csv_first_and_last_rows_over_100(synced, french_dir, name) -> None:
    _, frequency, _ = FILES[name]
    title, header, rows = csv_blocks((french_dir / SHARED_FILES[name]).read_text())[0]
    assert len(rows) > 500
    for row in (rows[0], rows[-1]):
        got = _row(synced["ff_factors"], frequency, to_date(row[0]))
        assert got.height == 1, row[0]
        for column, token in zip(header, row[1:], strict=True):
            if name.startswith("F-F_Research_Data_5") and column in ("Mkt-RF", "SMB", "HML", "RF"):
                continue  # the three-factor file supplies these where both exist
            assert got[FACTOR_NAMES[column]].item() == pytest.approx(value(token), abs=1e-12), (name, column)


def test_factor_frame_shape_and_conventions(synced) -> None:
    ff = synced["ff_factors"]
    assert ff.columns == ["frequency", "date", "mktrf", "smb", "hml", "rmw", "cma", "umd", "rf"]
    daily = ff.filter(pl.col("frequency") == "daily")
    assert daily["date"].min() == dt.date(1926, 7, 1) and daily["date"].max() == dt.date(2024, 8, 30)
    assert daily.filter(pl.col("date") < dt.date(1963, 7, 1))["rmw"].null_count() == daily.filter(
        pl.col("date") < dt.date(1963, 7, 1)).height  # fmt: skip
    monthly = ff.filter(pl.col("frequency") == "monthly")
    assert monthly.height == 98 * 12 + 2  # 1926-07 .. 2024-08
    # monthly rows are dated on the month's last NYSE session: July 1926 ended on a Saturday
    assert monthly["date"][0] == dt.date(1926, 7, 30)
    assert ff.select("frequency", "date").is_duplicated().sum() == 0


@pytest.mark.parametrize("name", ["10_Industry_Portfolios_daily", "49_Industry_Portfolios"])
def test_industry_blocks_match_the_csv_and_missing_markers_become_null(synced, french_dir, name) -> None:
    _, frequency, scheme = FILES[name]
    industries = synced["ff_industries"].filter(pl.col("scheme") == scheme, pl.col("frequency") == frequency)
    blocks = [b for b in csv_blocks((french_dir / SHARED_FILES[name]).read_text()) if "Weighted Returns" in b[0]
              and "Annual" not in b[0]]  # fmt: skip
    assert blocks
    for title, header, rows in blocks:
        weighting = "value" if "Value" in title else "equal"
        part = industries.filter(pl.col("weighting") == weighting)
        assert part.height == len(rows) * len(header)
        for row in (rows[0], rows[-1]):
            got = _row(part, frequency, to_date(row[0]))
            want = dict(zip(header, row[1:], strict=True))
            assert dict(zip(got["industry"], got["ret"], strict=True)) == {
                k: pytest.approx(value(v), abs=1e-12) if value(v) is not None else None for k, v in want.items()
            }
        missing = sum(1 for r in rows for t in r[1:] if float(t) in (-99.99, -999.0))
        assert part["ret"].null_count() == missing
    if scheme == 49:
        assert industries["ret"].null_count() > 0  # early months of young industries


def test_retry_count_is_passed_to_the_reader(zips, httpserver, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(famafrench, "_URL", httpserver.url_for("/"))
    name = "F-F_Research_Data_Factors"
    path = f"/ftp/{name}_CSV.zip"
    sink = ParquetSink(tmp_path)

    def busy_then_ok() -> None:
        httpserver.clear()
        httpserver.expect_ordered_request(path).respond_with_response(Response("busy", status=503))
        httpserver.expect_ordered_request(path).respond_with_data(zips[name], content_type="application/zip")

    busy_then_ok()
    with pytest.raises(RemoteDataError, match="Unable to read URL"):
        french_sync(sink, files=[name], retry_count=0, pause=0)
    assert sink.published == []
    busy_then_ok()
    (result,) = french_sync(sink, files=[name], retry_count=1, pause=0)
    assert (result.dataset, result.version) == ("ff_factors", "v0001")
    assert len(httpserver.log) == 2


def test_french_import_from_a_directory_and_a_zip_gives_the_synced_frames(synced, french_dir, zips, tmp_path) -> None:
    sink = ParquetSink(tmp_path / "wh")
    results = french_import(sink, french_dir)
    assert {r.dataset for r in results} == {"ff_factors", "ff_industries"}
    assert sink.read_current("ff_factors").equals(synced["ff_factors"])
    assert sink.read_current("ff_industries").equals(synced["ff_industries"])
    one = tmp_path / "F-F_Research_Data_Factors_CSV.zip"
    one.write_bytes(zips["F-F_Research_Data_Factors"])
    french_import(sink, one)
    monthly = synced["ff_factors"].filter(pl.col("frequency") == "monthly").select("frequency", "date", "mktrf", "smb",
                                                                                 "hml", "rf")  # fmt: skip
    assert sink.read_current("ff_factors").select(monthly.columns).equals(monthly)


@pytest.mark.django_db
def test_french_import_command(settings, french_dir, tmp_path, capsys) -> None:
    settings.WAREHOUSE_SINK = "tests.support.parquet_sink.factory"
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    call_command("french_import", str(french_dir))
    out = capsys.readouterr().out
    assert "49_Industry_Portfolios: 49_Industry_Portfolios.CSV" in out
    assert re.search(r"ff_factors: \d+ rows, version v0001", out)
    runs = dict(SyncRun.objects.values_list("dataset", "job__status"))
    assert runs == {"ff_factors": "succeeded", "ff_industries": "succeeded"}
    assert SyncRun.objects.get(dataset="ff_industries").rows == 363036  # 10 daily value + 49 monthly value/equal
    with pytest.raises(CommandError, match="No Ken French files"):
        call_command("french_import", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("french_import", str(tmp_path / "nope"))


@pytest.mark.django_db
def test_french_sync_command_records_runs(settings, zips, httpserver, monkeypatch, tmp_path, capsys) -> None:
    settings.WAREHOUSE_SINK = "tests.support.parquet_sink.factory"
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    monkeypatch.setattr(famafrench, "_URL", httpserver.url_for("/"))
    name = "F-F_Research_Data_Factors"
    httpserver.expect_request(f"/ftp/{name}_CSV.zip").respond_with_data(zips[name], content_type="application/zip")
    call_command("french_sync", "--file", name, "--retry-count", "0")
    assert "ff_factors: 1178 rows, version v0001" in capsys.readouterr().out  # 1926-07..2024-08 monthly
    runs = {r.dataset: r for r in SyncRun.objects.all()}
    assert runs["ff_factors"].version == "v0001" and runs["ff_industries"].rows == 0
    httpserver.clear()
    with pytest.raises(CommandError, match="Ken French sync failed"):
        call_command("french_sync", "--file", name, "--retry-count", "0", "--pause", "0")
    assert SyncRun.objects.filter(job__status="failed").count() == 2
