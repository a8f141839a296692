"""Sync dashboard: every dataset's sync state, running syncs, a job's log; trigger and schedule controls."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from quant.accounts.decorators import control_required
from quant.accounts.stepup import step_up_required
from quant.audit import log_access
from quant.models import Job
from quant.schedules import schedule_states
from quant.web.htmx import render_htmx
from warehouse.syncs.controls import (
    SOURCES,
    SYNC_SCHEDULES,
    ControlRefused,
    ScheduleEdit,
    demo_defaults,
    schedule_update,
    sync_trigger,
)
from warehouse.syncs.dashboard import dataset_syncs, next_run, running_sync_jobs, sync_job, validation_reports

CONTROL = "quant.use_controls"
SCHEDULE_PERM = "django_celery_beat.change_periodictask"


@require_GET
@log_access("warehouse.sync_dashboard", part_of_page=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Datasets with source, live version, rows, last success, last attempt, next run; running syncs."""
    states = schedule_states(SYNC_SCHEDULES)
    context = {
        "datasets": dataset_syncs(), "running": running_sync_jobs(), "sources": SOURCES,
        "schedules": [(s, next_run(s.task)) for s in states], "demo": demo_defaults(),
    }  # fmt: skip
    return render_htmx(request, "warehouse/sync_dashboard.html", "running", context)


@require_GET
@log_access("warehouse.sync_log")
def job_log(request: HttpRequest, pk: int) -> HttpResponse:
    """One sync job: progress while it runs, its SyncRuns, log, error and quarantined validation reports."""
    try:
        job = sync_job(pk)
    except Job.DoesNotExist:
        raise Http404("No such sync job.") from None
    context = {"job": job, "runs": list(job.sync_runs.all()), "reports": validation_reports(job)}
    return render_htmx(request, "warehouse/sync_log.html", "log", context)


class TriggerForm(forms.Form):
    source = forms.ChoiceField(choices=list(SOURCES.items()))
    dataset = forms.CharField(required=False, max_length=64)
    stocks = forms.IntegerField(required=False, min_value=50, max_value=10_000)
    years = forms.IntegerField(required=False, min_value=2, max_value=40)


def _go(request: HttpRequest, url: str) -> HttpResponse:
    # The confirmation posts with htmx into a small target: navigate the whole page instead.
    return HttpResponseClientRedirect(url) if request.headers.get("HX-Request") == "true" else redirect(url)


@control_required(CONTROL)
@step_up_required("warehouse.sync_trigger", object_type="quant.job")
@require_POST
def trigger(request: HttpRequest) -> HttpResponse:
    """Queue a sync now (after the step-up code and reason); lands on the first job's log."""
    form = TriggerForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Sync not started: {form.errors.as_text()}")
        return _go(request, reverse("warehouse:sync_dashboard"))
    data = form.cleaned_data
    try:
        jobs = sync_trigger(source=data["source"], dataset=data["dataset"], requested_by=request.user,
                            stocks=data["stocks"], years=data["years"])  # fmt: skip
    except ControlRefused as exc:
        messages.error(request, f"Sync not started: {exc}")
        response = _go(request, reverse("warehouse:sync_dashboard"))
        response.control_refused = str(exc)
        return response
    messages.success(request, f"Queued {len(jobs)} sync job(s): {', '.join(j.label for j in jobs)}.")
    return _go(request, reverse("warehouse:sync_log", args=[jobs[0].pk]))


class ScheduleForm(forms.Form):
    minute = forms.CharField(max_length=60)
    hour = forms.CharField(max_length=60)
    day_of_week = forms.CharField(max_length=60)
    day_of_month = forms.CharField(max_length=60)
    month_of_year = forms.CharField(max_length=60)
    timezone = forms.CharField(max_length=63)
    enabled = forms.BooleanField(required=False)


@control_required(SCHEDULE_PERM)
@step_up_required("warehouse.schedule_edit", object_type="django_celery_beat.periodictask")
@require_POST
def schedule_edit(request: HttpRequest, name: str) -> HttpResponse:
    """Change a sync schedule's crontab, time zone or enabled flag."""
    form = ScheduleForm(request.POST)
    try:
        if not form.is_valid():
            raise ControlRefused(form.errors.as_text().replace("\n", " "))
        schedule_update(name=name, edit=ScheduleEdit(**form.cleaned_data))
    except ControlRefused as exc:
        messages.error(request, f"Schedule {name} unchanged: {exc}")
        response = _go(request, reverse("warehouse:sync_dashboard"))
        response.control_refused = str(exc)
        return response
    messages.success(request, f"Schedule {name} saved.")
    return _go(request, reverse("warehouse:sync_dashboard"))
