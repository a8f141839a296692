"""SQL explorer and exports pages: a read-only query, paged; an export job; an owner-only download."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from quant.audit import log_access
from quant.web.htmx import render_htmx, wants_fragment
from warehouse.explorer.access import QUERY_PERMISSION, allowed_datasets
from warehouse.explorer.guard import QueryRefused
from warehouse.explorer.services import data_export_create, sql_query_run
from warehouse.models_explorer import DataExport

EXAMPLE = "SELECT frequency, count(*) AS n, min(date) AS first, max(date) AS last\nFROM ff_factors\nGROUP BY frequency"


class QueryForm(forms.Form):
    q = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}))
    page = forms.IntegerField(required=False, min_value=1)


def _require_query(request: HttpRequest) -> None:
    if not request.user.has_perm(QUERY_PERMISSION):
        raise PermissionDenied("Your role cannot run SQL over the warehouse.")


@require_GET
@log_access("warehouse.sql")
def sql(request: HttpRequest) -> HttpResponse:
    """Run one page of a read-only query (GET, so a page of results has its own address)."""
    _require_query(request)
    form = QueryForm(request.GET or None)
    outcome = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        outcome = sql_query_run(user=request.user, sql=form.cleaned_data["q"], page=form.cleaned_data["page"] or 1)
    context = {
        "form": form, "outcome": outcome, "query": form.data.get("q", "") if form.is_bound else "",
        "example": EXAMPLE, "allowed": allowed_datasets(request.user),
        "page_rows": settings.EXPLORER_PAGE_ROWS, "max_rows": settings.EXPLORER_MAX_ROWS,
        "exports": DataExport.objects.filter(owner=request.user).select_related("job")[:10],
    }  # fmt: skip
    if outcome is not None and outcome.page is not None:
        query, number = form.cleaned_data["q"], outcome.page.number
        context["prev_url"] = _sql_url(query, number - 1) if number > 1 else ""
        context["next_url"] = _sql_url(query, number + 1) if outcome.page.has_next else ""
        context["columns"] = outcome.page.frame.columns
        context["rows"] = [[cell_text(v) for v in row] for row in outcome.page.frame.iter_rows()]
    return render_htmx(request, "warehouse/sql.html", "result", context)


@require_POST
def export_create(request: HttpRequest) -> HttpResponse:
    """Queue an export of the query (CSV or Parquet) as a job of the current user."""
    _require_query(request)
    try:
        fmt = request.POST.get("format", "")
        export = data_export_create(user=request.user, sql=request.POST.get("q", ""), fmt=fmt)
    except QueryRefused as exc:
        return render_htmx(request, "warehouse/export.html", "export", {"error": str(exc)}, status=400)
    if not wants_fragment(request):
        return redirect("warehouse:export", pk=export.pk)
    return render_htmx(request, "warehouse/export.html", "export", {"export": export})


def _own_export(request: HttpRequest, pk: int) -> DataExport:
    """The user's export; someone else's is a 404 (its existence is not disclosed)."""
    return get_object_or_404(DataExport.objects.select_related("job"), pk=pk, owner=request.user)


@require_GET
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """An export's job progress, then its download link (polled while the job runs)."""
    _require_query(request)
    return render_htmx(request, "warehouse/export.html", "export", {"export": _own_export(request, pk)})


@require_GET
@log_access("warehouse.export_download")
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The export's file, for its owner only, until the link expires."""
    _require_query(request)
    export = _own_export(request, pk)
    if export.expired or not export.path:
        raise Http404("This export has expired or is not ready; export the query again.")
    content_type = "text/csv" if export.format == DataExport.Format.CSV else "application/vnd.apache.parquet"
    return FileResponse(open(export.path, "rb"), as_attachment=True, filename=export.filename,  # noqa: SIM115
                        content_type=content_type)  # fmt: skip


def cell_text(value: object) -> str | None:
    """A value as the page shows it: ISO dates, full-precision numbers, None for SQL NULL."""
    if value is None:
        return None
    if isinstance(value, dt.date):  # datetime too
        return value.isoformat()
    return str(value)


def _sql_url(query: str, page: int) -> str:
    return f"{reverse('warehouse:sql')}?{urlencode({'q': query, 'page': page})}"
