from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from warehouse import storage
from warehouse.manifest import Manifest
from warehouse.publish import ValidationFailed, publish_dataset, set_current
from warehouse.readers import crsp_daily

from .conftest import END, START


def _publish(name: str, frame: pl.DataFrame, **kw):
    return publish_dataset(name, frame, source="test", query_hash="h", writer="test", **kw)


def test_it_publishes_partitioned_files_with_a_manifest_and_pointer(wh, frames) -> None:
    result = _publish("crsp_daily", frames["crsp_daily"])
    assert result.version == 1 and result.previous_version is None
    assert result.rows == frames["crsp_daily"].height == 4 * 81  # 20 + 21 + 21 + 19 NYSE sessions Nov 2019..Feb 2020
    m = storage.load_manifest("crsp_daily", 1)
    assert [f.year for f in m.files] == [2019, 2020]
    assert sum(f.rows for f in m.files) == m.rows
    assert (m.date_min, m.date_max) == (START.isoformat(), "2020-02-28")
    assert all((wh / "crsp_daily" / f.path).exists() and f.path.startswith("v1/year=") for f in m.files)
    assert json.loads((wh / "crsp_daily" / "current.json").read_text())["version"] == 1
    assert Manifest.from_json(m.to_json()) == m
    assert m.validation.passed and {"duplicate_keys", "date_gaps", "price_nonzero:prc"} <= {
        r.rule for r in m.validation.rules
    }
    back = crsp_daily(START, END)
    assert_frame_equal(back, frames["crsp_daily"].sort("permno", "date"))


def test_unchanged_partitions_are_hard_linked_not_copied(wh, frames) -> None:
    _publish("crsp_daily", frames["crsp_daily"])
    changed = frames["crsp_daily"].with_columns(
        pl.when(pl.col("date").dt.year() == 2020).then(pl.col("vol") * 2).otherwise(pl.col("vol")).alias("vol")
    )
    second = _publish("crsp_daily", changed)
    assert (second.version, second.files_written, second.files_linked) == (2, 1, 1)
    old = storage.load_manifest("crsp_daily", 1).files
    new = storage.load_manifest("crsp_daily", 2).files
    assert old[0].sha256 == new[0].sha256 and old[1].sha256 != new[1].sha256
    a, b = (wh / "crsp_daily" / old[0].path).stat(), (wh / "crsp_daily" / new[0].path).stat()
    assert a.st_ino == b.st_ino and b.st_nlink == 2


def test_failed_validation_keeps_old_version_live_and_rollback_flips_pointer(wh, frames) -> None:
    _publish("crsp_daily", frames["crsp_daily"])
    _publish("crsp_daily", frames["crsp_daily"].with_columns(pl.col("vol") + 1))
    bad = frames["crsp_daily"].with_columns(pl.lit(0.0).alias("prc"))
    with pytest.raises(ValidationFailed):
        _publish("crsp_daily", bad)
    assert storage.current_version("crsp_daily") == 2
    assert set_current("crsp_daily", 1, writer="test") == 1
    assert_frame_equal(crsp_daily(START, END), frames["crsp_daily"].sort("permno", "date"))


def test_catalog_has_a_view_per_dataset_readable_read_only(wh, frames) -> None:
    for name, frame in frames.items():
        _publish(name, frame)
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        assert frames["crsp_delist"].height == 0  # an empty dataset still has a (typed, empty) view
        for name, frame in frames.items():
            assert con.execute(f"select count(*) from {name}").fetchall() == [(frame.height,)]
        assert con.execute("select typeof(dlret), typeof(dlstdt) from crsp_delist").fetchall() == []
        types = dict(con.execute("select column_name, data_type from information_schema.columns "
                                 "where table_name = 'crsp_delist'").fetchall())  # fmt: skip
        assert types == {"permno": "BIGINT", "dlstdt": "DATE", "dlstcd": "BIGINT", "dlret": "DOUBLE"}
        cols = con.cursor().sql("select * from crsp_daily limit 1").pl().columns
        assert cols == list(frames["crsp_daily"].columns)
        versions = con.execute("select dataset, version from _versions order by dataset").fetchall()
        assert ("crsp_daily", 1) in versions and len(versions) == len(frames)
        with pytest.raises(duckdb.Error):
            con.execute("create table x as select 1")
    finally:
        con.close()


def test_the_duckdb_cli_opens_the_catalog(wh, frames) -> None:
    """`duckdb data/warehouse/catalog.duckdb` (the duckdb-cli package) reads what the publish wrote."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    cli = shutil.which("duckdb") or str(Path(sys.executable).with_name("duckdb"))
    if not Path(cli).exists():
        pytest.skip("the duckdb CLI (package duckdb-cli) is not installed")
    _publish("crsp_daily", frames["crsp_daily"])
    result = subprocess.run(
        [cli, "-readonly", "-csv", "-noheader", str(wh / "catalog.duckdb"), "-c", "select count(*) from crsp_daily"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(frames["crsp_daily"].height)
