"""The run configuration of a strategy (what it trades) and the admin's live-trading switch."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from backtests.models import StrategyConfig
from backtests.services.strategies import last_run
from backtests.services.strategy_runs import strategy_live_enable
from quant.accounts.decorators import control_required
from quant.accounts.stepup import step_up_required
from quant.audit import log_access
from quant.selectors import strategies_for


@require_GET
@log_access("strategy.config")
def strategy_config(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_object_or_404(strategies_for(request.user), pk=pk)
    run_config = StrategyConfig.objects.filter(strategy=strategy).select_related("live_enabled_by").first()
    context = {"strategy": strategy, "run_config": run_config, "last_run": last_run(strategy),
               "settings": sorted((run_config.config if run_config else {}).items())}  # fmt: skip
    return render(request, "backtests/strategy_config.html", context)


@control_required("quant.manage_strategies")
@step_up_required("strategy.live_enable", object_type="quant.strategy")
@require_POST
def strategy_go_live(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_object_or_404(strategies_for(request.user), pk=pk)
    run_config = get_object_or_404(StrategyConfig, strategy=strategy)
    if not request.user.is_superuser:
        raise PermissionDenied("only an admin may enable live trading")
    strategy_live_enable(run_config=run_config, user=request.user, reason=request.POST.get("step_up_reason", ""))
    messages.success(request, f"{strategy.name} now trades on the live broker.")
    return redirect("backtests:strategy_config", pk=pk)
