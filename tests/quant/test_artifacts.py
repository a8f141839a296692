"""The one artifact format: round trip, checksums on read, atomic publish, idempotent re-publish."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from quant.artifacts import (
    FORMAT_VERSION,
    MANIFEST,
    ArtifactCorrupt,
    ArtifactExists,
    ArtifactNotFound,
    artifact_delete,
    artifact_open,
    artifact_publish,
    artifact_stage,
    is_published,
)
from quant.io import sha256_file
from quant.provenance import code_version

DAILY = pl.DataFrame({"date": ["2024-01-02", "2024-01-03"], "ret": [0.01, -0.02]})
TRADES = pl.DataFrame({"permno": [10001, 10002], "shares": [100, -50]})


def _publish(target: Path, *, daily: pl.DataFrame = DAILY, replace: bool = False):  # noqa: ANN202
    return artifact_publish(
        target, kind="backtest", frames={"daily": daily, "trades": TRADES},
        files={"notes.txt": lambda p: p.write_text("hello")}, dataset_versions={"crsp_daily": 3},
        config_hash="c0ffee", summary={"sharpe": 1.25}, extra={"run_id": 7}, replace=replace,
    )  # fmt: skip


def test_a_published_folder_reads_back_with_its_manifest(tmp_path: Path) -> None:
    target = tmp_path / "backtests" / "7"
    _publish(target)
    artifact = artifact_open(target)
    m = artifact.manifest
    assert (m.kind, m.config_hash, m.dataset_versions, m.code_version) == ("backtest", "c0ffee", {"crsp_daily": 3},
                                                                            code_version())  # fmt: skip
    assert (m.summary, m.extra, m.format_version) == ({"sharpe": 1.25}, {"run_id": 7}, FORMAT_VERSION)
    assert set(m.files) == {"daily.parquet", "trades.parquet", "notes.txt"}
    assert m.files["notes.txt"].bytes == 5 and m.files["notes.txt"].sha256 == sha256_file(target / "notes.txt")
    assert_frame_equal(artifact.read_parquet("daily"), DAILY)
    assert_frame_equal(artifact.read_parquet("trades.parquet"), TRADES)
    raw = json.loads((target / MANIFEST).read_text())
    assert raw["files"]["notes.txt"] == {"sha256": m.files["notes.txt"].sha256, "bytes": 5}
    assert sorted(p.name for p in tmp_path.joinpath("backtests").iterdir()) == ["7"]  # no staging left


def test_a_tampered_file_is_caught_on_read_naming_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a"
    _publish(target)
    artifact = artifact_open(target)
    artifact.read_parquet("daily")  # verified once and cached for this (mtime, size)
    pl.DataFrame({"date": ["2024-01-02"], "ret": [0.5]}).write_parquet(target / "daily.parquet")
    expected = f"{target / 'daily.parquet'}: its sha256 is [0-9a-f]{{64}}, the manifest says"
    with pytest.raises(ArtifactCorrupt, match=expected) as caught:
        artifact.read_parquet("daily")
    assert caught.value.path == target / "daily.parquet"
    (target / "trades.parquet").unlink()
    with pytest.raises(ArtifactCorrupt, match="trades.parquet: the file is missing"):
        artifact.read_parquet("trades")
    with pytest.raises(ArtifactCorrupt, match="daily.parquet: its sha256"):
        artifact_open(target).verify()
    with pytest.raises(ArtifactCorrupt, match="positions.parquet: not listed"):
        artifact.read_parquet("positions")


def test_a_broken_or_old_manifest_is_corrupt_and_no_manifest_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ArtifactNotFound, match="No published artifact"):
        artifact_open(tmp_path / "nothing")
    old = tmp_path / "old"
    old.mkdir()
    (old / "result.json").write_text("{}")
    with pytest.raises(ArtifactCorrupt, match="artifacts_upgrade"):
        artifact_open(old)
    (old / MANIFEST).write_text(json.dumps({"kind": "risk_models", "files": {}}))
    with pytest.raises(ArtifactCorrupt, match="manifest format None is not 1; run `python manage.py artifacts_up"):
        artifact_open(old)
    (old / MANIFEST).write_text("{not json")
    with pytest.raises(ArtifactCorrupt, match=f"{old / MANIFEST}: not JSON"):
        artifact_open(old)


def test_a_writer_that_raises_mid_publish_leaves_no_folder(tmp_path: Path) -> None:
    target = tmp_path / "models" / "combo" / "1"
    with pytest.raises(RuntimeError, match="disk full"), artifact_stage(target, kind="model") as stage:
        stage.write_parquet("weights", DAILY)
        staged = stage.folder
        assert (staged / "weights.parquet").exists()
        raise RuntimeError("disk full")
    assert not staged.exists() and not target.exists() and not is_published(target)
    assert list(target.parent.iterdir()) == []


def test_a_reserved_file_name_aborts_before_anything_is_published(tmp_path: Path) -> None:
    target = tmp_path / "x"
    with pytest.raises(ValueError, match="reserved"), artifact_stage(target, kind="model") as stage:
        stage.write(MANIFEST, lambda p: p.write_text("{}"))
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_republishing_the_same_content_is_a_no_op_and_different_content_needs_replace(tmp_path: Path) -> None:
    target = tmp_path / "r"
    first = _publish(target).manifest
    again = _publish(target).manifest
    assert again == first  # the existing manifest (same created time) is kept
    other = DAILY.with_columns(pl.col("ret") * 2)
    with pytest.raises(ArtifactExists, match="replace=True"):
        _publish(target, daily=other)
    assert_frame_equal(artifact_open(target).read_parquet("daily"), DAILY)
    replaced = _publish(target, daily=other, replace=True)
    assert_frame_equal(artifact_open(target).read_parquet("daily"), other)
    assert replaced.manifest.files["daily.parquet"] != first.files["daily.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_delete_removes_the_folder_and_staging_debris_of_killed_writers(tmp_path: Path) -> None:
    target = tmp_path / "5"
    _publish(target)
    debris = tmp_path / ".5.tmp-deadbeef"
    debris.mkdir()
    (debris / "daily.parquet").write_bytes(b"half")
    neighbour = tmp_path / "50"
    _publish(neighbour)
    artifact_delete(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["50"]
