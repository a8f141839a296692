"""Operations → Jobs: every job of every kind the user may see, with progress, cancel, retry, log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from console.forms import JobFilterForm
from console.htmx import render_htmx
from quant.audit import log_access
from quant.models import Job
from quant.selectors import jobs_filtered

PAGE_SIZE = 50


@require_GET
@log_access("jobs.list")
def jobs(request: HttpRequest) -> HttpResponse:
    form = JobFilterForm(request.GET or None)
    page = Paginator(jobs_filtered(request.user, form.to_filter()), PAGE_SIZE).get_page(request.GET.get("page"))
    active = any(job.status in Job.ACTIVE for job in page.object_list)
    return render_htmx(request, "console/jobs.html", "jobs-table", {"form": form, "page": page, "active": active})
