"""Deliveries: each attempt is a ``quant.Job`` (kind ``alert_delivery``, queue ``alerts``).

A failed attempt schedules the next at ``BASE * 2**(n-1)`` seconds with jitter (half fixed, half
uniform random, capped at ``CAP``); after ``max_attempts`` the delivery is dead-lettered. Beat's
``alerts: retry deliveries`` queues the attempts that are due.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from alerts.channels import SendFailed, send
from alerts.models import Alert, Channel, Delivery
from quant.jobs.runner import JobRun, RunOutcome, job_run
from quant.jobs.services import job_create, job_queue
from quant.models import Job

KIND = "alert_delivery"
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 3600.0
MAX_ATTEMPTS = 5


def backoff_seconds(attempt: int, *, rng: random.Random | None = None) -> float:
    """Delay before attempt ``attempt + 1`` after ``attempt`` failures: equal jitter over ``base * 2**(attempt-1)``."""
    step = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0))
    return step / 2 + (rng or random).uniform(0, step / 2)


def delivery_create(
    *, channel: Channel, title: str, body: str, alert: Alert | None = None, report: Any = None, to: str = ""
) -> Delivery:
    """A queued delivery and its first attempt (queued after commit)."""
    with transaction.atomic():
        delivery = Delivery.objects.create(channel=channel, alert=alert, report=report, title=title[:200], body=body,
                                           to=to, max_attempts=MAX_ATTEMPTS)  # fmt: skip
        _attempt_queue(delivery)
    return delivery


def _attempt_queue(delivery: Delivery) -> None:
    from alerts.tasks import deliver

    job = job_create(kind=KIND, label=f"{delivery.channel.name}: {delivery.title}"[:200], max_attempts=1,
                     params={"delivery_id": delivery.pk}, queue="alerts")  # fmt: skip
    delivery.job, delivery.status, delivery.next_attempt_at = job, Delivery.Status.QUEUED, None
    delivery.save(update_fields=["job", "status", "next_attempt_at"])
    job_queue(job=job, task=deliver, args=(delivery.pk,))


def delivery_send(*, delivery_id: int, task_id: str = "") -> RunOutcome | None:
    """Run the delivery's current attempt under its job; records sent, failed (next try) or dead letter."""
    delivery = Delivery.objects.select_related("channel", "report").get(pk=delivery_id)
    if delivery.job_id is None or delivery.status != Delivery.Status.QUEUED:
        return None

    def body(run: JobRun) -> str:
        to = [a.strip() for a in (delivery.to or delivery.channel.target).split(",") if a.strip()]
        attachment = delivery.report.pdf_path if delivery.report is not None else ""
        try:
            answer = send(delivery.channel, to=to, title=delivery.title, body=delivery.body, attachment=attachment)
        except SendFailed as exc:
            _failed(delivery, str(exc))
            raise
        except Exception as exc:  # a broken channel (an undecryptable secret, a missing file) is a failed attempt too
            _failed(delivery, f"{type(exc).__name__}: {exc}")
            raise SendFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), response=answer[:2000], error="",
            attempts=delivery.attempts + 1,
        )  # fmt: skip
        run.log(answer)
        return f"sent: {answer}"[:200]

    return job_run(job_id=delivery.job_id, task_id=task_id, body=body, expected=(SendFailed,))


def _failed(delivery: Delivery, error: str, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    attempts = delivery.attempts + 1
    if attempts >= delivery.max_attempts:
        status, next_at = Delivery.Status.DEAD_LETTER, None
    else:
        status, next_at = Delivery.Status.FAILED, now + dt.timedelta(seconds=backoff_seconds(attempts))
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, attempts=attempts, next_attempt_at=next_at, error=error[:2000], response=error[:2000]
    )


def deliveries_retry(*, now: dt.datetime | None = None) -> list[int]:
    """Queue the next attempt of every failed delivery that is due (beat: ``alerts: retry deliveries``)."""
    now = now or timezone.now()
    queued = []
    with transaction.atomic():
        # an attempt whose job ended without the delivery hearing of it (its worker was lost and reaped)
        lost = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("job")
            .filter(status=Delivery.Status.QUEUED, job__status__in=(Job.Status.FAILED, Job.Status.CANCELLED))
        )
        for delivery in lost:
            _failed(delivery, f"attempt lost: {delivery.job.error or delivery.job.message}"[:500], now=now)
        due = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("channel")
            .filter(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
        )
        for delivery in due:
            _attempt_queue(delivery)
            queued.append(delivery.pk)
    return queued


def delivery_requeue(job: Any) -> None:
    """The job kind's requeue (reaper, Jobs page retry): queue this attempt's task again."""
    from alerts.tasks import deliver

    delivery = Delivery.objects.filter(job=job).first()
    if delivery is not None:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.QUEUED)
        job_queue(job=job, task=deliver, args=(delivery.pk,))
