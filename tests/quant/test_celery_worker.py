"""A real Celery worker subprocess runs tasks queued through quant.jobs.enqueue."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings

from quant.jobs import enqueue
from quant.tasks import ping_cache_key, ping_job, system_selfcheck
from tests.factories import UserFactory
from tests.support import services
from tests.support.celery_worker import Worker, start_worker, test_database_url

pytestmark = [pytest.mark.slow, pytest.mark.redis]


@pytest.fixture(scope="module")
def celery_worker(
    django_db_setup: None, django_db_blocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    services.require_redis()
    with django_db_blocker.unblock():
        database_url = test_database_url()
    with start_worker(log_dir=tmp_path_factory.mktemp("celery"), database_url=database_url) as worker:
        yield worker


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
def test_health_page_lists_the_answering_worker(celery_worker: Worker, client: Client, django_user_model) -> None:
    client.force_login(UserFactory(username="ops", role="operator"))
    html = client.get("/health/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-check="Celery workers" data-status="ok"' in html
    assert celery_worker.nodename in html
    assert "No queue server" not in html
