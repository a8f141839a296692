"""Tampered files: the periodic verification (beat) records them; health and /warehouse/ show the
failure; readers and the DuckDB catalog refuse them, even a tamper that keeps size and mtime."""

from __future__ import annotations

import os

import duckdb
import polars as pl
import pytest
from django.test import Client
from django.urls import reverse

from quant import schedules
from tests.factories import UserFactory
from warehouse import readers, storage
from warehouse.health import warehouse_check
from warehouse.publish import publish_dataset
from warehouse.tasks import verify_live_task


def _publish_all(frames: dict[str, pl.DataFrame]) -> None:
    for name, frame in frames.items():
        publish_dataset(name, frame, source="t", query_hash="h", writer="t")


def _tamper_keeping_size_and_mtime(path) -> None:  # noqa: ANN001
    """Change one byte of a valid Parquet file in place: same size, same mtime, still readable."""
    stat = path.stat()
    frame = pl.read_parquet(path)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.col("ret") + 1).otherwise(pl.col("ret")).alias("ret")
    )
    data = bytearray(path.read_bytes())
    # flip one byte of the footer's created_by string: still a readable file, no longer the same bytes
    at = bytes(data).rfind(b"Polars")
    assert at > 0
    data[at] = ord("p")
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert pl.read_parquet(path).height == frame.height  # still a readable file


def _catalog_count(dataset: str) -> int:
    con = duckdb.connect(str(storage.catalog_path()), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {dataset}").fetchone()[0]
    finally:
        con.close()


@pytest.mark.django_db
def test_a_tampered_live_file_is_shown_and_refused(wh, frames, client: Client) -> None:
    _publish_all(frames)
    rows = frames["crsp_daily"].height
    assert readers.read_dataset("crsp_daily").height == rows  # hashed and cached in this process
    files = storage.version_files("crsp_daily")
    target = files.paths[0]
    _tamper_keeping_size_and_mtime(target)
    assert readers.read_dataset("crsp_daily").height == rows  # size+mtime cache: not noticed yet

    verify_live_task()  # what beat runs every 15 minutes

    result = warehouse_check()
    assert result.status == "bad" and "1 live file(s) failed their checksum" in result.summary
    with pytest.raises(storage.ChecksumMismatch, match=str(target)):
        readers.read_dataset("crsp_daily")
    with pytest.raises(duckdb.Error, match="crsp_daily: Checksum mismatch"):
        _catalog_count("crsp_daily")
    assert _catalog_count("crsp_monthly") == frames["crsp_monthly"].height  # the others are served
    client.force_login(UserFactory(role="viewer"))
    page = client.get(reverse("warehouse:status")).content.decode()
    assert 'id="warehouse-tampered"' in page and str(target) in page


@pytest.mark.django_db
def test_a_clean_verification_is_recorded_and_health_stays_ok(wh, frames) -> None:
    _publish_all(frames)
    verify_live_task()
    record = storage.read_verify_record()
    assert record is not None and record["failed"] == [] and record["files_checked"] > len(frames)
    result = warehouse_check()
    assert result.status == "ok" and result.details["checksums verified"] != "never"


def test_the_verification_runs_on_beat() -> None:
    entry = next(s for s in schedules.registered() if s.task == "warehouse.tasks.verify_live")
    assert isinstance(entry.when, schedules.Every) and entry.when.seconds <= 3600
