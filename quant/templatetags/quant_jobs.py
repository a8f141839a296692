"""Template filters for the one job progress partial (``components/job_progress.html``)."""

from __future__ import annotations

from django import template

from quant.jobs.kinds import kind_label, result_url
from quant.models import Job
from quant.selectors import job_may_cancel, job_may_retry

register = template.Library()


@register.filter
def job_cancellable(job: Job, user: object) -> bool:
    return job.is_active and job_may_cancel(user, job)  # type: ignore[arg-type]


@register.filter
def job_retriable(job: Job, user: object) -> bool:
    return job_may_retry(user, job)  # type: ignore[arg-type]


@register.filter
def job_kind_label(job: Job) -> str:
    return kind_label(job.kind)


@register.filter
def job_result_url(job: Job) -> str:
    return result_url(job) or ""


@register.filter
def badge_class(status: str) -> str:
    """The console's badge colour for a job status."""
    return {"succeeded": "badge-ok", "failed": "badge-bad", "cancelled": "badge-warn"}.get(status, "badge-run")


@register.filter
def seconds(value: float | None) -> str:
    """A duration in seconds as '42 s', '3 min 05 s' or '2 h 07 min'."""
    if value is None:
        return "—"
    total = int(round(value))
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60:02d} s"
    return f"{total // 3600} h {total % 3600 // 60:02d} min"
