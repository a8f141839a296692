"""Django template → HTML → PDF (weasyprint). Charts are inline SVG, which weasyprint draws."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from alerts.models_reports import ReportTemplate
from alerts.reports.data import BUILDERS


@dataclass(frozen=True)
class Rendered:
    html: str
    pdf: bytes
    pages: int


def report_title(template: str, start: dt.date, end: dt.date) -> str:
    label = ReportTemplate(template).label
    return f"{label}, {end:%Y-%m-%d}" if start == end else f"{label}, {start:%Y-%m-%d} to {end:%Y-%m-%d}"


def render_html(template: str, start: dt.date, end: dt.date, *, extra: dict[str, Any] | None = None) -> str:
    context = {"title": report_title(template, start, end), "start": start, "end": end, "template": template,
               "generated": timezone.now(), **BUILDERS[template](start, end), **(extra or {})}  # fmt: skip
    return render_to_string(f"alerts/reports/{template}.html", context)


def render_pdf(html: str) -> tuple[bytes, int]:
    from weasyprint import HTML  # imported when a PDF is made: it parses its stylesheets on import

    document = HTML(string=html).render()
    return document.write_pdf(), len(document.pages)


def render(template: str, start: dt.date, end: dt.date, *, extra: dict[str, Any] | None = None) -> Rendered:
    html = render_html(template, start, end, extra=extra)
    pdf, pages = render_pdf(html)
    return Rendered(html, pdf, pages)


def write(rendered: Rendered, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = folder / "report.html", folder / "report.pdf"
    html_path.write_text(rendered.html, encoding="utf-8")
    pdf_path.write_bytes(rendered.pdf)
    return html_path, pdf_path
