"""Reading users' return files: forgiving headers, strict content, clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from backtests.io import ReturnFileError, read_return_file, read_return_series


def write(tmp_path: Path, text: str, name: str = "r.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_reads_csv_with_case_insensitive_headers_and_ret_alias(tmp_path: Path) -> None:
    got = read_return_file(write(tmp_path, "DATE,Ret\n2024-01-03,0.01\n2024-01-02,-0.02\n2024-01-04,\n"))
    assert got.frame["date"].to_list() == [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4)]
    assert got.frame["return"].to_list() == [-0.02, 0.01, None]
    assert got.notes == ["using column 'Ret' as the return column"]


def test_reads_compact_dates_and_na_tokens(tmp_path: Path) -> None:
    frame = read_return_series(write(tmp_path, "date,returns\n20240102,0.5e-2\n20240103,NA\n20240104,NaN\n"))
    assert frame["date"].to_list()[0] == dt.date(2024, 1, 2)
    assert frame["return"].to_list() == [0.005, None, None]


def test_reads_parquet_with_datetime_column(tmp_path: Path) -> None:
    p = tmp_path / "r.parquet"
    pl.DataFrame(
        {"Date": [dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 3)], "RETURN": [0.01, float("nan")]}
    ).write_parquet(p)
    frame = read_return_series(p)
    assert frame.schema == pl.Schema({"date": pl.Date, "return": pl.Float64})
    assert frame["return"].to_list() == [0.01, None]


def test_rejects_duplicated_dates_naming_them(tmp_path: Path) -> None:
    text = "date,return\n2024-01-02,0.01\n2024-01-02,0.02\n2024-01-03,0\n2024-01-03,0\n2024-01-04,0\n"
    with pytest.raises(ReturnFileError, match="duplicated dates 2024-01-02, 2024-01-03"):
        read_return_file(write(tmp_path, text))


def test_rejects_non_numeric_returns_with_line_numbers(tmp_path: Path) -> None:
    text = "date,return\n2024-01-02,0.01\n2024-01-03,abc\n2024-01-04,0.02\n2024-01-05,1,5%\n"
    with pytest.raises(ReturnFileError):
        read_return_file(write(tmp_path, text))
    text = "date,return\n2024-01-02,0.01\n2024-01-03,abc\n2024-01-04,0.02\n2024-01-05,5%\n"
    with pytest.raises(ReturnFileError, match=r"non-numeric returns at line 3 \('abc'\), line 5 \('5%'\)"):
        read_return_file(write(tmp_path, text))


def test_rejects_bad_dates_and_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(ReturnFileError, match=r"unparseable dates .* line 3 \('not a date'\)"):
        read_return_file(write(tmp_path, "date,return\n2024-01-02,0.01\nnot a date,0.02\n"))
    with pytest.raises(ReturnFileError, match="no 'return' column"):
        read_return_file(write(tmp_path, "date,pnl\n2024-01-02,0.01\n"))
    with pytest.raises(ReturnFileError, match="unsupported file type"):
        read_return_file(write(tmp_path, "x", name="r.xlsx"))


def test_warns_on_percent_looking_returns(tmp_path: Path) -> None:
    got = read_return_file(write(tmp_path, "date,return\n2024-01-02,2.5\n2024-01-03,-0.5\n"))
    assert any("look like percentages" in n for n in got.notes)


def test_refuses_a_loss_of_100_percent_or_more_with_the_percent_hint(tmp_path: Path) -> None:
    """Issue 12, finding 11: -2.0 is a 200 % loss as a fraction; metrics of it were nonsense."""
    with pytest.raises(ReturnFileError, match=r"line 3 \(-2.0\) is a loss of 100% or more .*divide by 100"):
        read_return_file(write(tmp_path, "date,return\n2024-01-02,1.5\n2024-01-03,-2.0\n"))


def test_reads_csv_with_byte_order_mark(tmp_path: Path) -> None:
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffDate,Return\n2024-01-02,0.01\n".encode())
    assert read_return_series(p)["return"].to_list() == [0.01]
