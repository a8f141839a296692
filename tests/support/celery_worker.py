"""Start a real Celery worker subprocess against pytest-django's test database.

    with start_worker(queues=["backtests"], env={"JOBS_STALE_SECONDS": "3"}) as worker:
        ...  # worker.pid, worker.nodename, worker.log

``pool="prefork", concurrency=2`` runs tasks in child processes (``revoke(terminate=True)`` kills a
child, which needs the prefork pool; the default solo pool runs them in the worker process itself).
``include=["tests.support.some_module"]`` makes the worker import extra modules at start (celery's
``--include``), e.g. a test-support module that changes what a task does in that worker only.

The worker gets the test database's URL (``test_<name>``) and ``REDIS_URL``; it is stopped by its
PID (warm shutdown, then SIGKILL after a timeout). Tests that need committed rows use
``django_db(transaction=True)``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psutil
import pytest
from django.db import connection

from config.celery import app
from tests.support import services

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 90.0


@dataclass(frozen=True)
class Worker:
    pid: int
    nodename: str
    queue: str
    log: Path
    process: subprocess.Popen[bytes]


def test_database_url() -> str:
    """DATABASE_URL of the database pytest-django created (test_<name>), for the worker."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    parsed = urlparse(os.environ["DATABASE_URL"])
    return urlunparse(parsed._replace(path=f"/{name}"))


test_database_url.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def wait_until_answering(process: subprocess.Popen[bytes], nodename: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Celery worker exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if app.control.ping(destination=[nodename], timeout=0.5):
            return
    pytest.fail(f"Celery worker did not answer within {START_TIMEOUT_SECONDS}s:\n{log.read_text()[-3000:]}")


@contextmanager
def start_worker(
    *, log_dir: Path, queues: Sequence[str] | None = None, env: Mapping[str, str] | None = None,
    database_url: str | None = None, pool: str = "solo", concurrency: int | None = None,
    include: Sequence[str] = (),
) -> Iterator[Worker]:  # fmt: skip
    """A worker (solo pool unless ``pool`` says otherwise; prefetch 1 from settings) consuming
    ``queues`` (default: a private one)."""
    redis_url = services.require_redis()
    queue_names = list(queues) if queues else [f"qd-test-{uuid.uuid4().hex[:8]}"]
    nodename = f"{queue_names[0]}-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
    log = log_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url or test_database_url(),
        "REDIS_URL": redis_url,
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", "-Q", ",".join(queue_names),
        "-n", nodename, "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip
    if concurrency is not None:
        command.append(f"--concurrency={concurrency}")
    if include:
        command.append(f"--include={','.join(include)}")
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=full_env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(process, nodename, log)
        yield Worker(process.pid, nodename, queue_names[0], log, process)
    finally:
        stop_worker(process)


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown (SIGTERM) of this worker only, SIGKILL after 30 s; pool children left behind
    by a killed parent are killed too (by PID)."""
    if process.poll() is not None:
        return
    children = psutil.Process(process.pid).children(recursive=True)
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
