"""The job of a result row that exists once per inputs (a signal report, a risk model build).

Such a row keeps its identity (and its artifact) across attempts: a failed or cancelled attempt is
replaced by a new queued job on the same row, and the superseded job stays in the job history.
"""

from __future__ import annotations

from typing import Any

from quant.jobs.services import job_create
from quant.models import Job


def job_attempt(
    *, current: Job | None, reusable: bool, kind: str, idempotency_key: str, **fields: Any
) -> tuple[Job, bool]:
    """``(current, False)`` when ``reusable`` (the caller decides: queued, running, or succeeded with
    its result intact), else ``(new queued job, True)``. The new job takes over ``idempotency_key``
    from the finished attempts that held it. Call inside the transaction that links the row to it."""
    if current is not None and reusable:
        return current, False
    Job.objects.filter(kind=kind, idempotency_key=idempotency_key).exclude(status__in=Job.ACTIVE).update(
        idempotency_key=""
    )
    return job_create(kind=kind, idempotency_key=idempotency_key, **fields), True
