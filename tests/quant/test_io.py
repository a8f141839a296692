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
