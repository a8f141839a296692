"""quant.jobs: in-process fallback without a broker, apply_async with one."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
from celery import shared_task
from django.core.cache import cache
from django.test import Client, override_settings

from quant.jobs import queue as jobs
from quant.tasks import ping_cache_key, ping_job
from tests.factories import UserFactory


@shared_task(name="tests.quant.failing_job")
def failing_job(message: str) -> None:
    raise ValueError(message)


@shared_task(name="tests.quant.thread_name_job")
def thread_name_job() -> str:
    return threading.current_thread().name


@pytest.fixture
def fresh_executor() -> Iterator[None]:
    jobs.shutdown_inprocess()
    yield
    jobs.shutdown_inprocess()


@override_settings(CELERY_BROKER_URL=None)
def test_without_broker_the_job_runs_in_a_worker_thread(fresh_executor: None) -> None:
    token = uuid.uuid4().hex
    before = jobs.inprocess_stats()
    handle = jobs.enqueue(ping_job, args=(token,))
    record = handle.result(timeout=30)
    assert handle.in_process and handle.done()
    assert record["token"] == token and record["pid"] == os.getpid()
    assert cache.get(ping_cache_key(token)) == record  # the observable side effect
    assert jobs.enqueue(thread_name_job).result(timeout=30).startswith("qd-job")
    after = jobs.inprocess_stats()
    assert after.succeeded - before.succeeded == 2
    assert (after.running, after.waiting, after.workers) == (0, 0, 1)


@override_settings(CELERY_BROKER_URL=None)
def test_a_failing_in_process_job_is_logged_and_reraised(
    fresh_executor: None, caplog: pytest.LogCaptureFixture
) -> None:
    failed_before = jobs.inprocess_stats().failed
    with caplog.at_level(logging.ERROR, logger="quantdesk.jobs"):
        handle = jobs.enqueue(failing_job, kwargs={"message": "bad input 42"})
        with pytest.raises(ValueError, match="bad input 42"):
            handle.result(timeout=30)
    assert any("failed" in r.getMessage() and "bad input 42" in r.getMessage() for r in caplog.records)
    assert jobs.inprocess_stats().failed == failed_before + 1
    # The pool thread survived the failure and runs the next job.
    assert jobs.enqueue(ping_job, args=("after-failure",)).result(timeout=30)["token"] == "after-failure"


@override_settings(CELERY_BROKER_URL=None)
def test_worker_count_comes_from_the_environment(fresh_executor: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jobs.INPROCESS_WORKERS_ENV, "3")
    jobs.enqueue(ping_job, args=("three",)).result(timeout=30)
    assert jobs.inprocess_stats().workers == 3


@override_settings(CELERY_BROKER_URL=None)
def test_submission_failure_raises_instead_of_dropping_the_job(
    fresh_executor: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(jobs.INPROCESS_WORKERS_ENV, "0")  # invalid: fails loudly at submission
    with pytest.raises(jobs.JobSubmissionError, match="in-process"):
        jobs.enqueue(ping_job, args=("never",))


@pytest.mark.parametrize("broker", [None, "redis://127.0.0.1:6379/3"])
def test_an_unknown_queue_is_refused_in_both_modes(broker: str | None) -> None:
    with (
        override_settings(CELERY_BROKER_URL=broker),
        pytest.raises(jobs.JobSubmissionError, match="'backtest'"),
    ):
        jobs.enqueue(ping_job, args=("typo",), queue="backtest")


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/3")
def test_broker_submission_failure_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(ping_job, "apply_async", refuse)
    with pytest.raises(jobs.JobSubmissionError, match="broker down"):
        jobs.enqueue(ping_job, args=("x",), queue="sync")


@override_settings(CELERY_BROKER_URL=None)
def test_db_connections_of_the_job_thread_are_closed_after_each_job(
    fresh_executor: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_in: list[str] = []
    real_close_all = jobs.connections.close_all

    def spy() -> None:
        closed_in.append(threading.current_thread().name)
        real_close_all()

    monkeypatch.setattr(jobs.connections, "close_all", spy)
    jobs.enqueue(ping_job, args=("a",)).result(timeout=30)
    jobs.enqueue(ping_job, args=("b",)).result(timeout=30)
    assert len(closed_in) == 2 and all(name.startswith("qd-job") for name in closed_in)


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL=None)
def test_enqueue_on_commit_waits_for_the_commit(fresh_executor: None, django_capture_on_commit_callbacks) -> None:
    token = uuid.uuid4().hex
    submitted = jobs.inprocess_stats().submitted
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jobs.enqueue_on_commit(ping_job, args=(token,))
    assert len(callbacks) == 1
    assert jobs.inprocess_stats().submitted == submitted  # nothing submitted before the commit
    assert cache.get(ping_cache_key(token)) is None
    callbacks[0]()
    jobs.shutdown_inprocess(wait=True)
    assert cache.get(ping_cache_key(token))["token"] == token


@pytest.mark.redis
def test_with_a_broker_the_job_is_published_to_the_named_queue(redis_url: str) -> None:
    queue = f"qd-test-{uuid.uuid4().hex[:8]}"  # no worker consumes it: the message stays put
    client = redis.Redis.from_url(redis_url)
    try:
        with override_settings(CELERY_BROKER_URL=redis_url, CELERY_TASK_QUEUES_NAMES=[queue]):
            handle = jobs.enqueue(ping_job, args=("queued",), queue=queue, priority=9)
        assert not handle.in_process and handle.queue == queue and not handle.done()
        assert client.llen(queue) == 0
        [raw] = client.lrange(f"{queue}\x06\x169", 0, -1)
        assert handle.id.encode() in raw and b"quant.ping_job" in raw
        with pytest.raises(TimeoutError, match="still running"):
            handle.result(timeout=0.2)
    finally:
        client.delete(queue, f"{queue}\x06\x169")
        client.close()


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL=None)
def test_embedded_mode_shows_the_banner_and_runs_jobs(fresh_executor: None, client: Client, django_user_model) -> None:
    client.force_login(UserFactory(username="ops", role="operator"))
    html = client.get("/health/").content.decode()
    assert "No queue server: jobs run in-process" in html
    assert 'data-check="Celery workers" data-status="ok"' in html and "Embedded: 1 in-process" in html
    token = uuid.uuid4().hex
    assert jobs.enqueue(ping_job, args=(token,)).result(timeout=30)["token"] == token
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/3"):
        assert "No queue server" not in client.get("/").content.decode()
