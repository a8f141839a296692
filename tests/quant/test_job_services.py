"""quant.jobs.services and runner: the one job row's lifecycle, idempotency, cancel, retry, reap."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from quant.jobs import kinds
from quant.jobs.runner import job_run
from quant.jobs.services import (
    JobConflict,
    JobLost,
    job_cancel,
    job_claim,
    job_create,
    job_finish,
    job_get_or_create,
    job_heartbeat,
    job_retry,
    jobs_reap,
)
from quant.models import Job

pytestmark = pytest.mark.django_db
REQUEUED: list[int] = []
kinds.register_kind(kinds.JobKind(name="test.kind", label="Test kind", requeue=lambda job: REQUEUED.append(job.pk)))


@pytest.fixture(autouse=True)
def _clear_requeued():
    REQUEUED.clear()


def test_a_key_has_at_most_one_live_job() -> None:
    first, created = job_get_or_create(kind="test.kind", idempotency_key="k1", label="one")
    again, created_again = job_get_or_create(kind="test.kind", idempotency_key="k1", label="two")
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        job_create(kind="test.kind", idempotency_key="k1")
    Job.objects.filter(pk=first.pk).update(status=Job.Status.FAILED)
    replacement, created = job_get_or_create(kind="test.kind", idempotency_key="k1")
    assert created and replacement.pk != first.pk  # a failed job does not block a new attempt


def test_claim_heartbeat_finish_and_a_second_claim_is_a_no_op() -> None:
    job = job_create(kind="test.kind")
    claim = job_claim(job_id=job.pk, task_id="t1")
    assert claim is not None and claim.attempt == 1
    assert job_claim(job_id=job.pk, task_id="t2") is None  # running with a fresh heartbeat elsewhere
    assert job_heartbeat(claim=claim, progress=0.25, message="a quarter", log="line one\n") is False
    job.refresh_from_db()
    assert (job.status, job.progress, job.percent, job.message) == ("running", 0.25, 25, "a quarter")
    assert job.log == "line one\n"
    assert job_finish(claim=claim, status=Job.Status.SUCCEEDED, message="done", log="line two\n")
    job.refresh_from_db()
    assert (job.status, job.progress, job.log) == ("succeeded", 1.0, "line one\nline two\n")
    assert job_claim(job_id=job.pk, task_id="t3") is None
    with pytest.raises(JobLost):
        job_heartbeat(claim=claim)


def test_a_redelivery_of_the_owners_own_message_takes_over_and_the_old_claim_is_lost() -> None:
    """Finding 2 of issue 12: the same message delivered again means its worker died (the
    heartbeat is still fresh): the redelivery runs the job instead of returning "nothing to do"."""
    job = job_create(kind="test.kind")
    first = job_claim(job_id=job.pk, task_id="t1")
    assert first is not None
    again = job_claim(job_id=job.pk, task_id="t1")
    assert again is not None and again.attempt == 2
    with pytest.raises(JobLost):  # a zombie of the first attempt can no longer write
        job_heartbeat(claim=first)
    assert job_claim(job_id=job.pk, task_id="t1") is None  # attempts used up: failed with the reason
    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("worker lost: no heartbeat since")


def test_progress_is_clamped_to_a_fraction() -> None:
    job = job_create(kind="test.kind")
    claim = job_claim(job_id=job.pk, task_id="t1")
    job_heartbeat(claim=claim, progress=7)
    assert Job.objects.get(pk=job.pk).progress == 1.0


@override_settings(JOBS_LOG_TAIL_CHARS=1000)
def test_the_log_keeps_only_its_tail_on_whole_lines() -> None:
    job = job_create(kind="test.kind")
    claim = job_claim(job_id=job.pk, task_id="t1")
    job_heartbeat(claim=claim, log="".join(f"line {i:04d}\n" for i in range(500)))
    log = Job.objects.get(pk=job.pk).log
    assert len(log) <= 1000 and log.endswith("line 0499\n") and log.startswith("line ")


def test_cancel_a_queued_job_at_once_and_a_running_one_by_flag() -> None:
    queued = job_create(kind="test.kind")
    assert job_cancel(job=queued).status == Job.Status.CANCELLED
    running = job_create(kind="test.kind")
    claim = job_claim(job_id=running.pk, task_id="t1")
    cancelled = job_cancel(job=running)
    assert cancelled.status == Job.Status.RUNNING and cancelled.cancel_requested
    assert job_heartbeat(claim=claim) is True  # the task learns it at its next progress check


def test_the_runner_records_success_failure_and_cancel() -> None:
    ok = job_create(kind="test.kind")
    outcome = job_run(job_id=ok.pk, task_id="t", body=lambda run: (run.log("hello"), "all good")[1])
    ok.refresh_from_db()
    assert (outcome.status, ok.status, ok.message) == ("succeeded", "succeeded", "all good")
    assert ok.log.endswith("hello\n")

    bad = job_create(kind="test.kind")
    outcome = job_run(job_id=bad.pk, task_id="t", body=lambda run: int("x"), expected=(ValueError,))
    bad.refresh_from_db()
    assert (outcome.status, bad.status) == ("failed", "failed")
    assert "invalid literal" in bad.error

    stopped = job_create(kind="test.kind")

    def body(run):  # noqa: ANN001, ANN202
        job_cancel(job=stopped)
        run.progress(0.5, "half", force=True)

    assert job_run(job_id=stopped.pk, task_id="t", body=body).status == "cancelled"
    assert job_run(job_id=stopped.pk, task_id="t", body=body).detail == "nothing to do"


def test_reaper_requeues_then_fails_a_job_whose_worker_died() -> None:
    job = job_create(kind="test.kind", max_attempts=2)
    job_claim(job_id=job.pk, task_id="t1")
    later = timezone.now() + dt.timedelta(hours=1)
    report = jobs_reap(now=later)
    job.refresh_from_db()
    assert report.requeued == [job.pk] and [job.pk] == REQUEUED and job.status == "queued"
    job_claim(job_id=job.pk, task_id="t2")
    report = jobs_reap(now=later + dt.timedelta(hours=1))
    job.refresh_from_db()
    assert report.failed == [job.pk] and job.status == "failed" and "worker lost" in job.error


def test_retry_requeues_a_failed_job_and_refuses_a_running_one() -> None:
    job = job_create(kind="test.kind")
    claim = job_claim(job_id=job.pk, task_id="t1")
    with pytest.raises(JobConflict):
        job_retry(job=job)
    job_finish(claim=claim, status=Job.Status.FAILED, message="failed", error="boom")
    retried = job_retry(job=job)
    assert (retried.status, retried.attempts, retried.error) == ("queued", 0, "")
    assert [job.pk] == REQUEUED


def test_the_reaper_sends_a_long_queued_job_once_more_under_a_new_task_id() -> None:
    """Finding 3 of issue 12: a job committed but never sent (the process died, or the broker was
    down) must not stay queued for ever."""
    job = job_create(kind="test.kind")
    fresh = job_create(kind="test.kind")
    old_task = job.celery_task_id
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    report = jobs_reap()
    assert report.resent == [job.pk]
    assert REQUEUED == [job.pk]  # noqa: SIM300
    job.refresh_from_db()
    assert job.status == "queued" and job.celery_task_id != old_task and job.heartbeat_at is not None
    assert jobs_reap().resent == []  # once: a queue that is just busy is not flooded with copies
    assert Job.objects.get(pk=fresh.pk).heartbeat_at is None
