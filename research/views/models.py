"""Model registry pages: browse versions, promote (a control with step-up), Fama-French attribution of a backtest."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from console.htmx import render_htmx
from quant.accounts.decorators import control_required
from quant.accounts.stepup import step_up_required
from quant.audit import log_access
from research.io import InputError
from research.models import ModelVersion
from research.selectors import model_versions
from research.services.backtest import backtest_attribution
from research.services.registry import (
    PromotionRefused,
    RegistryIntegrityError,
    gate_failures,
    gates_for,
    model_version_promote,
)

PROMOTE_PERM = "research.promote_modelversion"


@log_access("research.models")
def registry(request: HttpRequest) -> HttpResponse:
    versions = list(model_versions())
    rows = [{"v": v, "gates": gates_for(v.kind), "failures": gate_failures(v)} for v in versions]
    return render_htmx(request, "research/models.html", "versions", {"rows": rows})


@control_required(PROMOTE_PERM)
@step_up_required("model.promote", object_type="research.modelversion")
@require_POST
def promote(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ModelVersion, pk=pk)
    try:
        model_version_promote(version=version, user=request.user)
    except (PromotionRefused, RegistryIntegrityError) as exc:
        messages.error(request, f"Promotion of {version} refused: {exc}")
    else:
        messages.success(request, f"{version.name} v{version.version} is now in production.")
    # The confirmation form posts with htmx into a small target: navigate the whole page instead.
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(reverse("research:models"))
    return redirect("research:models")


@permission_required("backtests.view_backtestrun", raise_exception=True)
@log_access("research.backtest_attribution")
def attribution(request: HttpRequest, run_id: int) -> HttpResponse:
    from backtests.models import BacktestRun

    run = get_object_or_404(BacktestRun.objects.select_related("job"), pk=run_id)
    model = request.GET.get("model", "ff3")
    context: dict[str, object] = {"run": run, "model": model, "models": ("ff3", "ff5", "ff6")}
    if run.job.status != run.job.Status.SUCCEEDED:
        context["problem"] = f"Backtest #{run.pk} is {run.job.status}: attribution needs a finished run."
    else:
        try:
            out = backtest_attribution(run=run, model=model)
        except (ValueError, InputError, OSError) as exc:
            context["problem"] = str(exc)
        else:
            r = out.result
            context["result"] = r
            context["coefs"] = [("alpha", r.alpha, r.t_stats["alpha"])] + [
                (k, v, r.t_stats[k]) for k, v in r.betas.items()
            ]
            context["chart"] = {"dates": [d.isoformat() for d in out.rolling["date"]],
                                "series": {c: out.rolling[c].to_list() for c in r.betas}}  # fmt: skip
            context["window"] = out.window
            if (cond := out.conditional) is not None:
                context["conditional"] = cond
                context["conditional_rows"] = [
                    (k, *(x for fit in (cond.up, cond.down) for x in (fit.coefficient(k), fit.t_stats[k])))
                    for k in ("alpha", *r.betas)
                ]
    return render(request, "research/attribution.html", context)
