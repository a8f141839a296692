"""The write lock, exercised with real processes."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from quant import locks

ROOT = Path(__file__).resolve().parents[2]


def _holder_script(directory: Path, domain: str, ready: Path) -> str:
    return textwrap.dedent(
        f"""
        import sys, time, pathlib
        sys.path.insert(0, {str(ROOT)!r})
        from quant import locks
        handle = locks.acquire({domain!r}, writer="child", directory=pathlib.Path({str(directory)!r}))
        pathlib.Path({str(ready)!r}).write_text("held")
        time.sleep(120)
        """
    )


def _spawn_holder(tmp_path: Path, domain: str = "warehouse") -> subprocess.Popen[bytes]:
    ready = tmp_path / f"{domain}.ready"
    proc = subprocess.Popen([sys.executable, "-c", _holder_script(tmp_path, domain, ready)])
    deadline = time.monotonic() + 20
    while not ready.exists():
        assert proc.poll() is None, "holder process died before taking the lock"
        assert time.monotonic() < deadline, "holder never took the lock"
        time.sleep(0.05)
    return proc


def test_second_writer_is_refused_while_holder_lives(tmp_path: Path) -> None:
    proc = _spawn_holder(tmp_path)
    try:
        with pytest.raises(locks.LockBusy) as excinfo:
            locks.acquire("warehouse", writer="me", directory=tmp_path)
        assert excinfo.value.holder is not None
        assert excinfo.value.holder.pid == proc.pid
        assert "writer 'child'" in str(excinfo.value)
    finally:
        proc.kill()
        proc.wait()


def test_lock_of_a_sigkilled_holder_is_taken_over(tmp_path: Path) -> None:
    proc = _spawn_holder(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert locks.read_lock("warehouse", directory=tmp_path).pid == proc.pid  # left behind
    with locks.domain_lock("warehouse", writer="recovery", directory=tmp_path) as handle:
        assert handle.info.pid == os.getpid()
        assert locks.read_lock("warehouse", directory=tmp_path).writer == "recovery"
    assert locks.read_lock("warehouse", directory=tmp_path) is None


def test_force_unlock_refuses_live_holder_and_clears_dead_one(tmp_path: Path) -> None:
    proc = _spawn_holder(tmp_path)
    try:
        with pytest.raises(locks.LockBusy, match="holder is alive"):
            locks.force_unlock("warehouse", directory=tmp_path)
    finally:
        proc.kill()
        proc.wait()
    removed = locks.force_unlock("warehouse", directory=tmp_path)
    assert removed is not None and removed.pid == proc.pid
    assert locks.read_lock("warehouse", directory=tmp_path) is None


def _contend(directory: str, barrier: mp.synchronize.Barrier, results: mp.Queue) -> None:
    barrier.wait()
    try:
        handle = locks.acquire("analytics", writer=f"w{os.getpid()}", directory=Path(directory))
    except locks.LockBusy:
        results.put("busy")
        return
    results.put("won")
    time.sleep(1.0)  # hold it while the others try
    handle.release()


def _write_stale_lock(directory: Path, domain: str) -> None:
    # A holder that died: a pid that cannot exist on this host.
    stale = locks.LockInfo(
        domain=domain,
        writer="dead",
        pid=2**22 + 12345,
        hostname=os.uname().nodename,
        token="dead",
        acquired="2020-01-01T00:00:00+00:00",
        expires="2999-01-01T00:00:00+00:00",
    )
    (directory / f"{domain}.lock").write_text(json.dumps(stale.__dict__))


def test_exactly_one_contender_wins_a_stale_takeover(tmp_path: Path) -> None:
    _write_stale_lock(tmp_path, "analytics")
    ctx = mp.get_context("fork")
    n = 6
    barrier = ctx.Barrier(n)
    results: mp.Queue = ctx.Queue()
    procs = [ctx.Process(target=_contend, args=(str(tmp_path), barrier, results)) for _ in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    outcomes = sorted(results.get(timeout=5) for _ in range(n))
    assert outcomes.count("won") == 1
    assert outcomes.count("busy") == n - 1


def test_expired_lock_is_stale_and_refresh_extends_it(tmp_path: Path) -> None:
    handle = locks.acquire("models", writer="short", directory=tmp_path, expiry=dt.timedelta(seconds=30))
    first_expiry = handle.info.expires_at
    time.sleep(0.01)
    handle.refresh()
    assert handle.info.expires_at > first_expiry
    assert not locks.is_stale(handle.info)
    assert locks.is_stale(handle.info, now=handle.info.expires_at + dt.timedelta(seconds=1))
    # Another writer after expiry takes it over; the old holder then learns it lost the lock.
    later = handle.info.expires_at + dt.timedelta(seconds=1)
    original_now = locks._now
    locks._now = lambda: later  # type: ignore[assignment]
    try:
        taker = locks.acquire("models", writer="taker", directory=tmp_path)
    finally:
        locks._now = original_now  # type: ignore[assignment]
    with pytest.raises(locks.LockLost):
        handle.refresh()
    handle.release()  # must not delete the new holder's lock
    assert locks.read_lock("models", directory=tmp_path).writer == "taker"
    taker.release()


def test_wait_gets_the_lock_when_holder_releases(tmp_path: Path) -> None:
    proc = _spawn_holder(tmp_path, "warehouse")
    try:
        started = time.monotonic()
        proc.terminate()  # SIGTERM: dies without releasing, leaving a stale lock
        with locks.domain_lock("warehouse", writer="patient", wait=10, directory=tmp_path):
            assert time.monotonic() - started < 10
    finally:
        proc.kill()
        proc.wait()


def test_unreadable_lock_file_is_busy_then_debris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "warehouse.lock").write_text("")
    with pytest.raises(locks.LockBusy):
        locks.acquire("warehouse", writer="x", directory=tmp_path)
    monkeypatch.setattr(locks, "UNREADABLE_GRACE_SECONDS", 0.0)
    time.sleep(0.01)
    with locks.domain_lock("warehouse", writer="x", directory=tmp_path) as handle:
        assert handle.info.writer == "x"


def test_rejects_bad_domain_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        locks.acquire("../etc", writer="x", directory=tmp_path)
