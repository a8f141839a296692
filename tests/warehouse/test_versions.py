"""Checksums, time travel, tags, diffs and garbage collection."""

from __future__ import annotations

import polars as pl
import pytest
from django.core.management import CommandError, call_command
from polars.testing import assert_frame_equal

from warehouse import readers, storage, versions
from warehouse.publish import publish_dataset
from warehouse.references import add_reference, remove_reference

from .conftest import END, START


def _publish(frame: pl.DataFrame, **kw):
    return publish_dataset("crsp_daily", frame, source="test", query_hash="h", writer="test", **kw)


def _flip_a_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_flipped_byte_raises_checksum_mismatch_naming_the_file(wh, frames, capsys) -> None:
    _publish(frames["crsp_daily"])
    readers.crsp_daily(START, END)  # verified and cached
    entry = storage.load_manifest("crsp_daily", 1).files[0]
    target = wh / "crsp_daily" / entry.path
    _flip_a_byte(target)
    with pytest.raises(storage.ChecksumMismatch, match=str(target)) as excinfo:
        readers.crsp_daily(START, END)
    assert excinfo.value.expected == entry.sha256
    with pytest.raises(CommandError, match="1 file"):
        call_command("warehouse_verify")
    assert str(target) in capsys.readouterr().err


def test_verify_passes_on_a_clean_warehouse_and_lists_orphans(wh, frames, capsys) -> None:
    _publish(frames["crsp_daily"])
    debris = wh / "crsp_daily" / ".staging-deadbeef"
    debris.mkdir()
    call_command("warehouse_verify")
    out = capsys.readouterr().out
    assert "Checked 2 files in 1 versions" in out and "orphan" in out and ".staging-deadbeef" in out


def test_time_travel_by_version_and_tag_returns_the_old_data(wh, frames) -> None:
    old = frames["crsp_daily"]
    _publish(old)
    versions.set_tag("crsp_daily", 1, "paper-2024", writer="test")
    new = old.with_columns(pl.col("prc") * 2)
    _publish(new)
    assert_frame_equal(readers.crsp_daily(START, END), new.sort("permno", "date"))
    assert_frame_equal(readers.crsp_daily(START, END, version=1), old.sort("permno", "date"))
    assert_frame_equal(readers.crsp_daily(START, END, version="paper-2024"), old.sort("permno", "date"))
    with pytest.raises(storage.VersionNotFound, match="no tag 'nope'"):
        readers.crsp_daily(START, END, version="nope")
    assert versions.dataset_versions() == {"crsp_daily": 2}


def test_diff_counts_rows_added_removed_changed_by_key(wh, frames) -> None:
    old = frames["crsp_daily"]
    _publish(old)
    changed = old.filter(pl.col("permno") != 10004).with_columns(
        pl.when((pl.col("permno") == 10001) & (pl.col("date").dt.year() == 2020))
        .then(pl.col("vol") + 1)
        .otherwise(pl.col("vol"))
        .alias("vol")
    )
    added = old.filter(pl.col("permno") == 10004).with_columns(permno=pl.lit(10005, pl.Int64))
    _publish(pl.concat([changed, added]))
    d = versions.diff("crsp_daily", 1, 2)
    assert (d.rows_added, d.rows_removed, d.rows_changed) == (81, 81, 40)  # 40 sessions in Jan-Feb 2020
    assert d.rows_unchanged == 4 * 81 - 81 - 40
    assert d.files_changed == ["year=2019", "year=2020"] and d.columns_added == [] and d.dtype_changes == {}
    assert d.date_range_old == d.date_range_new


@pytest.mark.django_db
def test_gc_refuses_referenced_versions_and_deletes_the_rest(wh, frames) -> None:
    base = frames["crsp_daily"]
    for k in range(4):
        _publish(base.with_columns(pl.col("vol") + k))
    versions.set_tag("crsp_daily", 1, "golden", writer="test")
    add_reference("crsp_daily", 2, "risk.model:17")
    with pytest.raises(versions.ReferencedVersion, match=r"v2: referenced by risk.model:17"):
        versions.gc("crsp_daily", writer="test", versions=[2])
    with pytest.raises(versions.ReferencedVersion, match=r"v1: tag golden"):
        versions.gc("crsp_daily", writer="test", versions=[1])
    with pytest.raises(versions.ReferencedVersion, match=r"v4: current"):
        versions.gc("crsp_daily", writer="test", versions=[4])
    result = versions.gc("crsp_daily", writer="test")
    assert result.deleted == [3] and storage.list_versions("crsp_daily") == [1, 2, 4]
    assert not storage.version_dir("crsp_daily", 3).exists() and result.freed_bytes > 0
    assert_frame_equal(
        readers.crsp_daily(START, END, version=2), base.with_columns(pl.col("vol") + 1).sort("permno", "date")
    )
    remove_reference("crsp_daily", 2, "risk.model:17")
    assert versions.gc("crsp_daily", writer="test").deleted == [2]
    call_command("warehouse_verify")  # what is left is intact and there are no orphans


@pytest.mark.django_db
def test_gc_dry_run_and_keep_last(wh, frames) -> None:
    for k in range(4):
        _publish(frames["crsp_daily"].with_columns(pl.col("vol") + k))
    dry = versions.gc("crsp_daily", writer="test", dry_run=True)
    assert dry.deleted == [1, 2, 3] and storage.list_versions("crsp_daily") == [1, 2, 3, 4]
    kept = versions.gc("crsp_daily", writer="test", keep_last=2)
    assert kept.deleted == [1, 2] and storage.list_versions("crsp_daily") == [3, 4]
    assert "keep-last 2" in kept.kept[3]
