"""Strategy pages: only the strategies a user was granted (django-guardian object permissions)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from quant.accounts.decorators import control_required
from quant.accounts.stepup import step_up_required
from quant.audit import log_access
from quant.models import Strategy
from quant.selectors import strategies_for
from quant.services import strategy_set_status
from quant.web.nav import strategy_links


@require_GET
@log_access("strategy.list")
def strategy_list(request: HttpRequest) -> HttpResponse:
    return render(request, "quant/strategy_list.html", {"strategies": strategies_for(request.user)})


@require_GET
@log_access("strategy.detail")
def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Strategies the user was not granted are indistinguishable from missing ones (404).
    strategy = get_object_or_404(strategies_for(request.user), pk=pk)
    can_change = request.user.has_perm("quant.change_strategy", strategy)
    context = {"strategy": strategy, "can_change": can_change, "links": strategy_links(strategy.pk)}
    return render(request, "quant/strategy_detail.html", context)


@control_required("quant.use_controls")
@step_up_required("strategy.halt", object_type="quant.strategy")
@require_POST
def strategy_halt(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_object_or_404(strategies_for(request.user), pk=pk)
    if not request.user.has_perm("quant.change_strategy", strategy):
        raise PermissionDenied("You may view this strategy but not change it.")
    # A TextChoices member is a str; without django-stubs mypy reads `HALTED = "halted", "Halted"` as a tuple.
    strategy_set_status(strategy=strategy, status=Strategy.Status.HALTED)  # type: ignore[arg-type]
    messages.success(request, f"Strategy {strategy.name} is halted.")
    if request.htmx:
        return HttpResponseClientRedirect(strategy.get_absolute_url())
    return redirect(strategy)
