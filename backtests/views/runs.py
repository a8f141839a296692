"""Run list, launch form, run page (status through the one job partial), cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from backtests.data import DataUnavailable
from backtests.forms import BacktestForm, RunFilterForm, WalkForwardForm, initial_from_run
from backtests.models import BacktestRun
from backtests.selectors import run_list
from backtests.services import backtest_run_cancel, backtest_run_create
from backtests.services.walkforward import walkforward_create
from backtests.views.results import results_context, visible_run
from quant.accounts.stepup import step_up_required
from quant.audit import log_access
from quant.models import Job
from quant.selectors import job_may_cancel
from quant.services import access_log_create
from quant.web.htmx import render_htmx, wants_fragment

PAGE_SIZE = 25


@permission_required("backtests.view_backtestrun", raise_exception=True)
def runs_index(request: HttpRequest) -> HttpResponse:
    filters = RunFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    runs = run_list(
        user=request.user,
        status=values.get("status", ""),
        signal=values.get("signal", ""),
        search=values.get("q", ""),
        owner_id=request.user.pk if values.get("mine") else None,
    )
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    return render_htmx(request, "backtests/run_list.html", "table", context)


@permission_required("backtests.add_backtestrun", raise_exception=True)
@require_http_methods(["GET", "POST"])
def run_new(request: HttpRequest) -> HttpResponse:
    # ?from=<run id>: "launch again with changes", the form prefilled with that run's config
    source = request.GET.get("from", "")
    initial = initial_from_run(visible_run(request, int(source))) if source.isdigit() else None
    form = BacktestForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = backtest_run_create(
                config=form.config, owner=request.user, priority=form.cleaned_data["priority"],
                label=form.cleaned_data["label"], strategy=form.cleaned_data["strategy"],
            )  # fmt: skip
        except DataUnavailable as exc:
            form.add_error(None, str(exc))
        else:
            if not created.created:
                messages.info(request, f"Same config on the same data: showing existing run #{created.run.pk}.")
            url = reverse("backtests:detail", args=[created.run.pk])
            # An htmx post must not swap the whole run page into the form: let htmx navigate.
            return HttpResponseClientRedirect(url) if wants_fragment(request) else redirect(url)
    # htmx swaps only 2xx bodies: the fragment with errors is a 200, a plain post a 400.
    status = 400 if form.errors and not wants_fragment(request) else 200
    return render_htmx(request, "backtests/run_form.html", "form", {"form": form}, status=status)


@permission_required("backtests.view_backtestrun", raise_exception=True)
@log_access("backtests.run")
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """The run page: status and progress through the one job partial (it polls while the job is
    active and reloads the page when it finishes), then the results."""
    run = visible_run(request, run_id)
    context: dict[str, object] = {"run": run}
    if run.kind == BacktestRun.Kind.WALK_FORWARD:
        context["children"] = list(run.children.select_related("job").order_by("id"))
    if not wants_fragment(request) and run.job.status == Job.Status.SUCCEEDED:
        context.update(results_context(run))
    return render_htmx(request, "backtests/run_detail.html", "status", context)


def _someone_elses_active_run(request: HttpRequest, *args: object, run_id: int = 0, **kwargs: object) -> bool:
    job = Job.objects.filter(backtest_run__pk=run_id).first()
    return (
        job is not None and job.is_active and job.requested_by_id != request.user.pk
        and job_may_cancel(request.user, job)  # others get their 403 from the view, not a code prompt
    )  # fmt: skip


@require_POST
@permission_required("backtests.view_backtestrun", raise_exception=True)
@step_up_required("job.cancel_other", object_type="backtests.backtestrun", when=_someone_elses_active_run)
def run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    """Cancel a run through its job (the same as ``quant:job_cancel``, kept for links to a run)."""
    run = visible_run(request, run_id)
    if not run.job.is_active:
        messages.info(request, f"Run #{run.pk} has already finished ({run.job.status}).")
    elif not job_may_cancel(request.user, run.job):
        raise PermissionDenied("Only the owner or an operator may cancel this run.")
    else:
        run = backtest_run_cancel(run=run, by=request.user)
        if run.job.requested_by_id == request.user.pk:  # someone else's: the step-up records it with the reason
            access_log_create(request=request, action="control", name="job.cancel", obj=run.job)
    if wants_fragment(request):
        return render(request, "components/job_progress.html", {"job": run.job, "refresh": True})
    return redirect("backtests:detail", run_id=run.pk)


@permission_required("backtests.add_backtestrun", raise_exception=True)
@require_http_methods(["GET", "POST"])
def walkforward_new(request: HttpRequest) -> HttpResponse:
    form = WalkForwardForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = walkforward_create(
                spec=form.spec, owner=request.user, label=form.cleaned_data["label"],
                priority=form.cleaned_data["priority"],
            )  # fmt: skip
        except DataUnavailable as exc:
            form.add_error(None, str(exc))
        else:
            url = reverse("backtests:detail", args=[created.run.pk])
            return HttpResponseClientRedirect(url) if wants_fragment(request) else redirect(url)
    # htmx swaps only 2xx bodies: the fragment with errors is a 200, a plain post a 400.
    status = 400 if form.errors and not wants_fragment(request) else 200
    return render_htmx(request, "backtests/walkforward_form.html", "form", {"form": form}, status=status)
