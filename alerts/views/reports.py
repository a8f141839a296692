"""The report archive: list, view HTML, download PDF, recipients; schedules; run now."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alerts.forms import RunNowForm, ScheduleForm
from alerts.models_reports import ReportRun, ReportSchedule
from alerts.reports.services import ReportError, report_run_create, report_schedule_save
from alerts.selectors import deliveries_of, report_runs, report_schedules
from alerts.views import need
from quant.audit import log_access

ARCHIVE_SHOWN = 100


@require_GET
@log_access("alerts.reports")
def archive(request: HttpRequest) -> HttpResponse:
    need(request, "alerts.view_reportrun", "open the report archive")
    context = {"runs": report_runs()[:ARCHIVE_SHOWN], "schedules": report_schedules(), "run_form": RunNowForm(),
               "can_change": request.user.has_perm("alerts.change_reportschedule")}  # fmt: skip
    return render(request, "alerts/reports.html", context)


def _run(request: HttpRequest, pk: int) -> ReportRun:
    need(request, "alerts.view_reportrun", "open reports")
    return get_object_or_404(report_runs(), pk=pk)


@require_GET
@log_access("alerts.report")
def report(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    return render(request, "alerts/report_detail.html", {"run": run, "deliveries": deliveries_of(report=run)})


def _file(path: str) -> Path:
    if not path or not Path(path).is_file():
        raise Http404("This report has no file yet: its job has not finished.")
    return Path(path)


@require_GET
@xframe_options_sameorigin
@log_access("alerts.report_html")
def report_html(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(_file(_run(request, pk).html_path).read_text(encoding="utf-8"))


@require_GET
@log_access("alerts.report_pdf", action="export")
def report_pdf(request: HttpRequest, pk: int) -> FileResponse:
    run = _run(request, pk)
    name = f"{run.template}-{run.period_end}.pdf"
    return FileResponse(
        _file(run.pdf_path).open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )


@require_POST
@log_access("alerts.report_run", action="control")
def run_now(request: HttpRequest) -> HttpResponse:
    need(request, "alerts.change_reportschedule", "run reports")
    form = RunNowForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a report and the last day it covers.")
        return redirect("alerts:reports")
    run = report_run_create(template=form.cleaned_data["template"], end=form.cleaned_data["end"], user=request.user)
    messages.success(request, f"{run.title}: queued.")
    return redirect("alerts:report", pk=run.pk)


@require_http_methods(["GET", "POST"])
@log_access("alerts.schedule_edit")
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    need(request, "alerts.change_reportschedule", "change report schedules")
    schedule = get_object_or_404(ReportSchedule, pk=pk) if pk else None
    form = ScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        try:
            saved = report_schedule_save(schedule=form.save(commit=False))
        except ReportError as exc:
            form.add_error("timezone", str(exc))
        else:
            messages.success(request, f"Schedule {saved.name!r} saved: {saved.cron}.")
            return redirect("alerts:reports")
    title = f"Schedule {schedule.name}" if schedule else "New report schedule"
    return render(request, "alerts/form.html", {"form": form, "title": title}, status=400 if form.errors else 200)
