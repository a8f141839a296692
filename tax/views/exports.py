"""Exports of a tax account: Form 8949 (CSV), TXF, and the year-end summary (PDF)."""

from __future__ import annotations

import csv
import io

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from quant.audit import log_access
from tax.analytics.form8949 import COLUMNS, row_record, summary, txf
from tax.selectors import closed_lots, form8949, sale_years, wash_sale_lots, year_summary
from tax.views.accounts import _account, _year

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (numbers stay numbers)."""
    if value.startswith(_FORMULA):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def _filename(account, year, ext: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in account.name).strip("-").lower() or "account"
    return f"{slug}-{year or 'all'}-{ext}"


@require_GET
@log_access("tax.form8949", action="export")
def form8949_csv(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    year = _year(request, sale_years(account))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in form8949(account, year):
        writer.writerow({k: _cell(v) for k, v in row_record(row).items()})
    response = HttpResponse(out.getvalue(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{_filename(account, year, "form8949.csv")}"'
    return response


@require_GET
@log_access("tax.txf", action="export")
def form8949_txf(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    year = _year(request, sale_years(account))
    response = HttpResponse(txf(form8949(account, year), exported=timezone.localdate()), content_type="text/plain")
    response["Content-Disposition"] = f'attachment; filename="{_filename(account, year, "8949.txf")}"'
    return response


@require_GET
@log_access("tax.summary_pdf", action="export")
def summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    import weasyprint

    account = _account(request, pk)
    year = _year(request, sale_years(account))
    rows = form8949(account, year)
    html = render_to_string(
        "tax/summary_pdf.html",
        {
            "account": account,
            "year": year,
            "rows": rows,
            "boxes": summary(rows),
            "totals": year_summary(closed_lots(account, year)),
            "wash_sales": wash_sale_lots(account, year),
            "generated": timezone.now(),
        },
    )
    pdf = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(account, year, "tax-summary.pdf")}"'
    return response
