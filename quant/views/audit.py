"""Audit log browser and CSV export (admins: quant.view_audit / quant.export_audit)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from quant.accounts.forms import AccessLogFilterForm
from quant.audit import log_access
from quant.io import csv_lines
from quant.selectors import access_logs
from quant.services import access_log_create
from quant.web.htmx import render_htmx

PAGE_SIZE = 50
CSV_COLUMNS = (
    "timestamp",
    "username",
    "action",
    "name",
    "method",
    "path",
    "object_type",
    "object_id",
    "reason",
    "ip",
    "user_agent",
)


@require_GET
@permission_required("quant.view_audit", raise_exception=True)
@log_access("audit.log")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET if request.GET else None)
    page = Paginator(access_logs(form.to_filter()), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)  # the export takes every row that matches, not one page of it
    context = {"form": form, "page": page, "filter_query": query.urlencode()}
    return render_htmx(request, "quant/audit_log.html", "audit-table", context)


def _csv_rows(form: AccessLogFilterForm) -> Iterator[str]:
    rows = access_logs(form.to_filter()).iterator(chunk_size=2000)
    yield from csv_lines(
        chain([CSV_COLUMNS], ([r.timestamp.isoformat(), *(getattr(r, c) or "" for c in CSV_COLUMNS[1:])] for r in rows))
    )


@require_GET
@permission_required("quant.export_audit", raise_exception=True)
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET if request.GET else None)
    access_log_create(request=request, action="export", name="audit.export", object_type="quant.accesslog")
    response = StreamingHttpResponse(_csv_rows(form), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="quantdesk-access-log-{stamp}.csv"'
    return response
