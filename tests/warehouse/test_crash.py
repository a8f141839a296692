"""A writer SIGKILLed at any point leaves the previous version intact; a second writer is refused."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from quant import calendars
from quant.io import sha256_file
from quant.locks import LockBusy
from warehouse import readers, storage
from warehouse.publish import PAUSE_ENV, publish_dataset

from .conftest import cast

ROOT = Path(__file__).resolve().parents[2]
PERMNOS = 40
START, END = dt.date(2008, 1, 2), dt.date(2019, 12, 31)


def big_daily(scale: float = 1.0) -> pl.DataFrame:
    """40 stocks x 12 years of sessions (~120k rows, 12 partitions)."""
    days = calendars.sessions(START, END)
    rng = np.random.default_rng(11)
    n = PERMNOS * days.len()
    ret = rng.normal(0.0, 0.02, n)
    frame = pl.DataFrame({
        "permno": np.repeat(np.arange(10001, 10001 + PERMNOS), days.len()),
        "date": pl.concat([days] * PERMNOS),
        "ret": ret, "retx": ret, "prc": 10 + rng.random(n), "vol": rng.random(n) * 1e5 * scale,
        "shrout": np.full(n, 1000.0), "cfacpr": np.ones(n), "cfacshr": np.ones(n),
        "bidlo": np.full(n, 9.0), "askhi": np.full(n, 11.0),
    })  # fmt: skip
    return cast("crsp_daily", frame)


def _child(wh: Path, locks: Path, frame_path: Path, pause: str | None) -> subprocess.Popen[str]:
    script = textwrap.dedent(
        f"""
        import os, sys, pathlib
        sys.path.insert(0, {str(ROOT)!r})
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
        import django
        django.setup()
        from django.conf import settings
        settings.WAREHOUSE_DIR = pathlib.Path({str(wh)!r})
        settings.LOCKS_DIR = pathlib.Path({str(locks)!r})
        import polars as pl
        from warehouse.publish import publish_dataset
        frame = pl.read_parquet({str(frame_path)!r})
        print("START", flush=True)
        publish_dataset("crsp_daily", frame, source="test", query_hash="child", writer="child")
        print("DONE", flush=True)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != PAUSE_ENV}
    if pause:
        env[PAUSE_ENV] = pause
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _wait_for(proc: subprocess.Popen[str], token: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if token in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"child exited ({proc.returncode}) before {token!r}")
    raise AssertionError(f"child never printed {token!r}")


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _snapshot(dataset: str, version: int) -> dict[str, str]:
    base = storage.dataset_dir(dataset)
    return {f.path: sha256_file(base / f.path) for f in storage.load_manifest(dataset, version).files}


@pytest.fixture
def published(wh, tmp_path: Path) -> tuple[pl.DataFrame, Path]:
    old = big_daily()
    publish_dataset("crsp_daily", old, source="test", query_hash="old", writer="test")
    new_path = tmp_path / "new.parquet"
    big_daily(scale=2.0).write_parquet(new_path)
    return old, new_path


SLOW = pytest.mark.slow


@pytest.mark.parametrize(
    "point",
    ["staged-file", pytest.param("validated", marks=SLOW), pytest.param("renamed", marks=SLOW), "manifest", "flipped"],
)
def test_sigkill_at_each_step_leaves_previous_version_intact(wh, published, settings, point: str) -> None:
    old, new_path = published
    before = _snapshot("crsp_daily", 1)
    proc = _child(wh, settings.LOCKS_DIR, new_path, point)
    _wait_for(proc, f"PAUSE {point}")
    _kill(proc)
    assert _snapshot("crsp_daily", 1) == before  # the old files are byte-identical to their manifest
    live = storage.current_version("crsp_daily")
    assert live == (2 if point == "flipped" else 1)
    assert_frame_equal(readers.crsp_daily(START, END, version=1), old)
    # the next writer takes over the dead child's lock, cleans its debris and publishes
    result = publish_dataset("crsp_daily", old.head(old.height - 10), source="test", query_hash="next",
                             writer="next")  # fmt: skip
    # killed after its manifest was written but before the flip, v2 exists unpublished: numbers never repeat
    assert result.previous_version == live and result.version == (3 if point == "manifest" else live + 1)
    assert storage.orphans("crsp_daily") == []
    assert readers.crsp_daily(START, END).height == old.height - 10


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.4, 1.0])
def test_sigkill_at_arbitrary_times_never_breaks_the_live_version(wh, published, settings, delay: float) -> None:
    old, new_path = published
    before = _snapshot("crsp_daily", 1)
    proc = _child(wh, settings.LOCKS_DIR, new_path, None)
    _wait_for(proc, "START")
    time.sleep(delay)
    _kill(proc)
    assert _snapshot("crsp_daily", 1) == before
    live = storage.current_version("crsp_daily")
    assert live in (1, 2)
    expected = old if live == 1 else big_daily(scale=2.0)
    assert_frame_equal(readers.crsp_daily(START, END), expected)
    result = publish_dataset("crsp_daily", old, source="test", query_hash="next", writer="next")
    assert result.version == live + 1 and storage.orphans("crsp_daily") == []


def test_a_second_writer_is_refused_while_a_live_process_holds_the_lock(wh, published, settings) -> None:
    old, new_path = published
    proc = _child(wh, settings.LOCKS_DIR, new_path, "locked")
    try:
        _wait_for(proc, "PAUSE locked")
        with pytest.raises(LockBusy, match="writer 'child'") as excinfo:
            publish_dataset("crsp_daily", old, source="test", query_hash="x", writer="second")
        assert excinfo.value.holder is not None and excinfo.value.holder.pid == proc.pid
    finally:
        _kill(proc)
    assert storage.current_version("crsp_daily") == 1
    assert publish_dataset("crsp_daily", old, source="test", query_hash="x", writer="second").version == 2
