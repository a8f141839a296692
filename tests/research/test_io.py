from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from research import io


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_reads_csv_and_parquet_signal_files(tmp_path: Path) -> None:
    csv = _write(tmp_path / "s.csv", "date,asset,value\n2024-01-03,B,2.5\n2024-01-02,A,1\n2024-01-02,B,\n")
    frame = io.read_signal(csv)
    assert frame.rows() == [
        (dt.date(2024, 1, 2), "A", 1.0),
        (dt.date(2024, 1, 2), "B", None),
        (dt.date(2024, 1, 3), "B", 2.5),
    ]
    pq = tmp_path / "s.parquet"
    frame.write_parquet(pq)
    assert io.read_signal(pq).equals(frame)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.csv", "date,ticker,value\n2024-01-02,A,1\n")
    with pytest.raises(io.InputError, match=r"missing column\(s\) \['asset'\]"):
        io.read_signal(path)


def test_duplicates_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.csv", "date,asset,price\n2024-01-02,A,1\n2024-01-02,A,2\n2024-01-02,B,2\n")
    with pytest.raises(io.InputError, match=r"1 duplicate \(date, asset\).*2024, 1, 2.*'A'"):
        io.read_prices(path)


def test_non_numeric_values_and_bad_dates_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.csv", "date,asset,value\n2024-01-02,A,abc\n")
    with pytest.raises(io.InputError, match="non-numeric values, e.g. 'abc'"):
        io.read_signal(path)
    path = _write(tmp_path / "d.csv", "date,asset,value\n02/01/2024,A,1\n")
    with pytest.raises(io.InputError, match="not dates"):
        io.read_signal(path)


def test_prices_must_be_positive_and_files_must_overlap(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.csv", "date,asset,price\n2024-01-02,A,-1\n")
    with pytest.raises(io.InputError, match="zero or negative"):
        io.read_prices(path)
    signal = pl.DataFrame({"date": [dt.date(2024, 1, 2)], "asset": ["A"], "value": [1.0]})
    prices = pl.DataFrame({"date": [dt.date(2025, 1, 2)], "asset": ["A"], "price": [1.0]})
    with pytest.raises(io.InputError, match="no \\(date, asset\\) in common"):
        io.check_overlap(signal, prices)


def test_unsupported_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(io.InputError, match="file not found"):
        io.read_signal(tmp_path / "nope.csv")
    with pytest.raises(io.InputError, match="unsupported extension"):
        io.read_signal(_write(tmp_path / "s.xlsx", "x"))


def test_returns_file_needs_one_row_per_date(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", "date,return\n2024-01-02,0.01\n2024-01-02,0.02\n")
    with pytest.raises(io.InputError, match="duplicate \\(date\\)"):
        io.read_returns(path)
