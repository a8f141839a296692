"""One job's status (the polling fragment of the one progress partial, or a full page with its log),
cancel and retry. Every job kind uses these; the Jobs page lists them (console)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from quant.accounts.stepup import step_up_required
from quant.jobs.services import JobConflict, job_cancel, job_retry
from quant.models import Job
from quant.selectors import job_may_cancel, jobs_visible_to
from quant.services import access_log_create

PARTIAL = "components/job_progress.html"


def _visible_job(request: HttpRequest, pk: int) -> Job:
    job = jobs_visible_to(request.user).filter(pk=pk).first()
    if job is None:  # a job the user may not see is indistinguishable from a missing one
        raise Http404(f"No job #{pk}.")
    return job


def _fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request  # type: ignore[union-attr]


def _respond(request: HttpRequest, job: Job, *, refresh: bool) -> HttpResponse:
    if not _fragment(request):
        return render(request, "quant/job_detail.html", {"job": job})
    response = render(request, PARTIAL, {"job": job, "refresh": refresh})
    if refresh and not job.is_active:
        response["HX-Refresh"] = "true"  # the page that asked shows the finished job's result
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
@login_required
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress partial (htmx polling) or, opened directly, the job's page with its log."""
    return _respond(request, _visible_job(request, pk), refresh=request.GET.get("refresh") == "1")


def someone_elses_active_job(request: HttpRequest, *args: object, pk: int = 0, **kwargs: object) -> bool:
    """Cancelling another user's job is a control: the operator gives a current code and a reason."""
    job = jobs_visible_to(request.user).filter(pk=pk).first()
    return (
        job is not None and job.is_active and job.requested_by_id != request.user.pk
        and job_may_cancel(request.user, job)  # others get their 403 from the view, not a code prompt
    )  # fmt: skip


@require_POST
@login_required
@step_up_required("job.cancel_other", object_type="quant.job", when=someone_elses_active_job)
def job_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    if not job_may_cancel(request.user, job):
        raise PermissionDenied("Only the requester or an operator may cancel this job.")
    if job.is_active:
        job = job_cancel(job=job, by=request.user)
        if job.requested_by_id == request.user.pk:  # someone else's: the step-up records it with the reason
            access_log_create(request=request, action="control", name="job.cancel", obj=job)
    else:
        messages.info(request, f"Job #{job.pk} has already finished ({job.status}).")
    if _fragment(request):
        return _respond(request, job, refresh=request.POST.get("refresh") == "1")
    return redirect("quant:job_status", pk=job.pk)


@require_POST
@login_required
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    if not job_may_cancel(request.user, job):
        raise PermissionDenied("Only the requester or an operator may retry this job.")
    try:
        job = job_retry(job=job, requested_by=request.user)
    except JobConflict as exc:
        messages.error(request, str(exc))
    else:
        access_log_create(request=request, action="control", name="job.retry", obj=job)
    if _fragment(request):
        return _respond(request, job, refresh=request.POST.get("refresh") == "1")
    return redirect("quant:job_status", pk=job.pk)
