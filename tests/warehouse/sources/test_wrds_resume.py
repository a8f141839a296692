"""Crash (SIGKILL) and Ctrl-C (SIGINT) in the middle of a full sync leave a checkpoint that resumes
to exactly the result of an uninterrupted run."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.support.parquet_sink import ParquetSink
from tests.warehouse.sources.conftest import standin_config
from warehouse.sources.wrds.client import WrdsClient
from warehouse.syncs import checkpoint as ck
from warehouse.syncs.manager import WrdsSyncManager

REPO_ROOT = Path(__file__).resolve().parents[3]
DATASET = "crsp_daily"


def checksum(frame: pl.DataFrame) -> str:
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()


def run_child(dbname: str, workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "tests.support.wrds_sync_child", dbname, str(workdir), DATASET, *extra]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def resume_in_process(dbname: str, workdir: Path) -> tuple[WrdsClient, ParquetSink, object]:
    client = WrdsClient(standin_config(dbname))
    sink = ParquetSink(workdir / "warehouse")
    manager = WrdsSyncManager(client, sink, sync_root=workdir / "_sync", lock_dir=workdir / "locks")
    try:
        outcome = manager.full(DATASET)
    finally:
        client.close()
    return client, sink, outcome


@pytest.fixture(scope="module")
def reference(wrds_db: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Checksum of an uninterrupted run (in a child process, like the interrupted ones)."""
    workdir = tmp_path_factory.mktemp("uninterrupted")
    result = run_child(wrds_db, workdir)
    assert result.returncode == 0, result.stderr
    frame = ParquetSink(workdir / "warehouse").read_current(DATASET)
    assert frame is not None
    return checksum(frame)


@pytest.mark.slow
def test_sigkill_after_year_two_resumes_to_the_identical_result(wrds_db, wrds_frames, reference, tmp_path) -> None:
    killed = run_child(wrds_db, tmp_path, "--die-after", "2019", "--signal", "KILL")
    assert killed.returncode == -signal.SIGKILL
    per_year = wrds_frames[DATASET].group_by(pl.col("date").dt.year().alias("y")).len().sort("y")
    rows = dict(zip(per_year["y"].to_list(), per_year["len"].to_list(), strict=True))
    assert killed.stdout.splitlines() == [f"saved 2018 {rows[2018]}", f"saved 2019 {rows[2019]}"]
    (ckpt,) = ck.checkpoints(DATASET, root=tmp_path / "_sync")
    assert ckpt.state == ck.DOWNLOADING
    assert sorted(ckpt.chunks) == ["2018", "2019"] and ckpt.pending_years() == [2020, 2021]
    assert ParquetSink(tmp_path / "warehouse").read_current(DATASET) is None  # nothing published
    assert (tmp_path / "locks" / "warehouse.lock").exists()  # the dead writer's lock is left behind

    client, sink, outcome = resume_in_process(wrds_db, tmp_path)
    assert outcome.resumed_years == [2018, 2019]
    assert client.queries == 2  # only 2020 and 2021 were downloaded again (no re-planning either)
    frame = sink.read_current(DATASET)
    assert checksum(frame) == reference
    expected = wrds_frames[DATASET].sort("permno", "date")
    assert frame.equals(expected)
    done = ck.checkpoints(DATASET, root=tmp_path / "_sync")[-1]
    assert done.state == ck.PUBLISHED and not list(done.directory.glob("*.parquet"))


@pytest.mark.slow
def test_ctrl_c_leaves_a_resumable_checkpoint(wrds_db, reference, tmp_path) -> None:
    interrupted = run_child(wrds_db, tmp_path, "--die-after", "2020", "--signal", "INT")
    assert interrupted.returncode != 0
    assert "KeyboardInterrupt" in interrupted.stderr
    (ckpt,) = ck.checkpoints(DATASET, root=tmp_path / "_sync")
    assert ckpt.state == ck.DOWNLOADING and ckpt.pending_years() == [2021]
    assert not (tmp_path / "locks" / "warehouse.lock").exists()  # Ctrl-C releases the lock cleanly

    client, sink, outcome = resume_in_process(wrds_db, tmp_path)
    assert outcome.resumed_years == [2018, 2019, 2020] and client.queries == 1
    assert checksum(sink.read_current(DATASET)) == reference


def test_a_corrupted_chunk_is_downloaded_again(wrds_db, reference, tmp_path) -> None:
    killed = run_child(wrds_db, tmp_path, "--die-after", "2019", "--signal", "KILL")
    assert killed.returncode == -signal.SIGKILL
    (ckpt,) = ck.checkpoints(DATASET, root=tmp_path / "_sync")
    ckpt.chunk_path(2019).write_bytes(b"torn write")
    client, sink, outcome = resume_in_process(wrds_db, tmp_path)
    assert outcome.resumed_years == [2018] and client.queries == 3
    assert checksum(sink.read_current(DATASET)) == reference
