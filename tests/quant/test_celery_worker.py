"""A real Celery worker subprocess runs tasks queued through quant.jobs.enqueue."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings

from config.celery import app
from quant.jobs import enqueue
from quant.tasks import ping_cache_key, ping_job, system_selfcheck
from tests.support import services

pytestmark = [pytest.mark.slow, pytest.mark.redis]

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 90.0


@dataclass(frozen=True)
class Worker:
    pid: int
    nodename: str
    queue: str
    log: Path


def _test_database_url() -> str:
    """DATABASE_URL of the database pytest-django created (test_<name>), for the worker."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    parsed = urlparse(os.environ["DATABASE_URL"])
    return urlunparse(parsed._replace(path=f"/{name}"))


def _wait_until_answering(process: subprocess.Popen[bytes], nodename: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Celery worker exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if app.control.ping(destination=[nodename], timeout=0.5):
            return
    pytest.fail(f"Celery worker did not answer within {START_TIMEOUT_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def celery_worker(
    django_db_setup: None, django_db_blocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    redis_url = services.require_redis()
    queue = f"qd-test-{uuid.uuid4().hex[:8]}"  # private queue: no other worker steals the job
    nodename = f"{queue}@{socket.gethostname()}"
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
        "-n", nodename, "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_until_answering(process, nodename, log)
        yield Worker(process.pid, nodename, queue, log)
    finally:
        os.kill(process.pid, signal.SIGTERM)  # warm shutdown of this worker only
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def worker_queue(celery_worker: Worker) -> Iterator[str]:
    """Let enqueue accept the worker's private queue name."""
    with override_settings(CELERY_TASK_QUEUES_NAMES=[celery_worker.queue]):
        yield celery_worker.queue


def test_worker_runs_a_job_queued_through_enqueue(celery_worker: Worker, worker_queue: str) -> None:
    token = uuid.uuid4().hex
    handle = enqueue(ping_job, args=(token,), queue=worker_queue)
    assert not handle.in_process
    record = handle.result(timeout=60)
    assert record["token"] == token
    assert record["pid"] == celery_worker.pid  # ran in the worker, not in this process
    assert record["pid"] != os.getpid()
    assert cache.get(ping_cache_key(token)) == record  # written by the worker into shared Redis


@pytest.mark.django_db
def test_worker_reaches_the_test_database(worker_queue: str) -> None:
    report = enqueue(system_selfcheck, queue=worker_queue).result(timeout=60)
    assert report["database_name"] == str(connection.settings_dict["NAME"])
    assert report["applied_migrations"] == MigrationRecorder(connection).migration_qs.count() > 0


@pytest.mark.django_db
def test_health_page_lists_the_answering_worker(
    celery_worker: Worker, client: Client, django_user_model
) -> None:
    client.force_login(django_user_model.objects.create_user(username="ops", password="x" * 12))
    html = client.get("/health/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-check="Celery workers" data-status="ok"' in html
    assert celery_worker.nodename in html
    assert "No queue server" not in html
