"""Manual trade controls: the book of a strategy with cancel / close / adjust, and flatten.

Every control needs the operator role with 2FA (``control_required``) and the strategy's
``trade_strategy`` grant; destructive ones (cancel all of a symbol, close, flatten, adjust) a
fresh TOTP code and a reason (``step_up_required``), which also writes the audit row, with the
book before and after (``response.control_detail``). Cancelling one order takes a reason only.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from quant.accounts.decorators import control_denial, control_required
from quant.accounts.stepup import step_up_required
from quant.audit import log_access
from quant.models import Strategy
from quant.selectors import strategies_for
from quant.services import access_log_create
from quant.trading.controls import (
    Outcome,
    control_adjust,
    control_cancel_order,
    control_cancel_symbol,
    control_close_position,
    control_flatten,
    describe,
    flatten_plan,
)
from quant.trading.errors import TradingError
from quant.trading.forms import AdjustForm, ReasonForm, SymbolForm
from quant.trading.models import Order
from quant.trading.ops_selectors import control_actions, orders_recent, positions_held, strategies_tradable
from quant.web.htmx import render_htmx

CONTROL = "quant.use_controls"


def new_key() -> str:
    """A page's idempotency key; each form on it appends its own suffix (max 64 characters)."""
    return uuid.uuid4().hex[:24]


def _tradable(request: HttpRequest, pk: int) -> Strategy:
    strategy = get_object_or_404(strategies_for(request.user), pk=pk)
    if not request.user.has_perm("quant.trade_strategy", strategy):
        raise PermissionDenied("You may view this strategy but not trade it.")
    return strategy


def _page(strategy_id: int | None) -> str:
    url = reverse("quant:trade_controls")
    return f"{url}?strategy={strategy_id}" if strategy_id else url


def _finish(request: HttpRequest, *, result: Outcome | TradingError, strategy_id: int | None) -> HttpResponse:
    """Redirect back to the book with a one-line message; the audit detail rides on the response."""
    if isinstance(result, TradingError):
        messages.error(request, str(result))
    elif result.repeated:
        messages.info(request, f"Already done (this form was submitted before): {result.action.message}")
    else:
        messages.success(request, result.action.message)
    url = _page(strategy_id)
    response = HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if isinstance(result, TradingError):
        response.control_refused = str(result)
    else:
        action = result.action
        response.control_detail = (
            f"{action.action} {action.target}: before: {describe(action.before)} | after: {describe(action.after)}"
        )
    return response


@require_GET
@log_access("trading.controls")
def trade_controls(request: HttpRequest) -> HttpResponse:
    visible = list(strategies_for(request.user))
    chosen = next((s for s in visible if str(s.pk) == request.GET.get("strategy")), visible[0] if visible else None)
    if request.GET.get("strategy") and chosen is not None and str(chosen.pk) != request.GET["strategy"]:
        raise Http404("no such strategy")
    user = request.user
    can_control = control_denial(user, CONTROL) is None
    context = {
        "strategies": visible,
        "strategy": chosen,
        "can_trade": bool(chosen and can_control and user.has_perm("quant.trade_strategy", chosen)),
        "control_problem": control_denial(user, CONTROL),
        "can_flatten_all": can_control and strategies_tradable(user).exists(),
        "positions": positions_held(chosen) if chosen else [],
        "orders": orders_recent(chosen) if chosen else [],
        "actions": [(a, describe(a.before), describe(a.after)) for a in control_actions(chosen)] if chosen else [],
        "key": new_key(),
    }
    return render_htmx(request, "quant/trade_controls.html", "trading-book", context)


@control_required(CONTROL)
@require_POST
def order_cancel_view(request: HttpRequest, pk: int, order_id: int) -> HttpResponse:
    strategy = _tradable(request, pk)
    order = get_object_or_404(Order, pk=order_id, strategy=strategy)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _finish(request, result=TradingError("Write why you cancel the order."), strategy_id=pk)
    try:
        result: Outcome | TradingError = control_cancel_order(
            order=order, user=request.user, reason=form.cleaned_data["reason"], key=form.cleaned_data["key"]
        )
    except TradingError as exc:
        result = exc
    response = _finish(request, result=result, strategy_id=pk)
    detail = getattr(response, "control_detail", "") or f"refused: {result}"
    access_log_create(request=request, action="refused" if isinstance(result, TradingError) else "control",
                      name="order.cancel", obj=order, reason=f"{form.cleaned_data['reason']} | {detail}")  # fmt: skip
    return response


def _symbol_control(request: HttpRequest, pk: int, control: object) -> HttpResponse:
    strategy = _tradable(request, pk)
    form = SymbolForm(request.POST)
    if not form.is_valid():
        return _finish(
            request, result=TradingError("The form lost its symbol or key: reload the page."), strategy_id=pk
        )
    try:
        result: Outcome | TradingError = control(  # type: ignore[operator]
            strategy=strategy, symbol=form.cleaned_data["symbol"], user=request.user,
            reason=request.POST.get("step_up_reason", ""), key=form.cleaned_data["key"],
        )  # fmt: skip
    except TradingError as exc:
        result = exc
    return _finish(request, result=result, strategy_id=pk)


@control_required(CONTROL)
@step_up_required("orders.cancel_symbol", object_type="quant.strategy")
@require_POST
def symbol_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _symbol_control(request, pk, control_cancel_symbol)


@control_required(CONTROL)
@step_up_required("position.close", object_type="quant.strategy")
@require_POST
def position_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _symbol_control(request, pk, control_close_position)


@control_required(CONTROL)
@step_up_required("position.adjust", object_type="quant.strategy")
@require_POST
def position_adjust_view(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _tradable(request, pk)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        problem = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return _finish(request, result=TradingError(f"Adjustment not valid — {problem}"), strategy_id=pk)
    data = form.cleaned_data
    try:
        result: Outcome | TradingError = control_adjust(
            strategy=strategy, symbol=data["symbol"], quantity=data["quantity"], cost_basis=data["cost_basis"],
            user=request.user, reason=request.POST.get("step_up_reason", ""), key=data["key"],
        )  # fmt: skip
    except TradingError as exc:
        result = exc
    return _finish(request, result=result, strategy_id=pk)


def _flatten_scope(request: HttpRequest, pk: int | None) -> list[Strategy]:
    if pk is None:
        return list(strategies_tradable(request.user))
    return [_tradable(request, pk)]


@require_GET
@log_access("trading.flatten_preview")
def flatten_preview(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """What a flatten would send (nothing is sent from here)."""
    if pk is None:
        strategies = list(strategies_tradable(request.user))
    else:
        strategies = [get_object_or_404(strategies_for(request.user), pk=pk)]
    can_flatten = control_denial(request.user, CONTROL) is None and all(
        request.user.has_perm("quant.trade_strategy", s) for s in strategies
    )
    context = {"plan": flatten_plan(strategies), "strategies": strategies, "pk": pk, "key": new_key(),
               "can_flatten": can_flatten and bool(strategies)}  # fmt: skip
    return render_htmx(request, "quant/flatten.html", "trading-flatten", context)


@control_required(CONTROL)
@step_up_required("strategy.flatten", object_type="quant.strategy")
@require_POST
def flatten_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    strategies = _flatten_scope(request, pk)
    form = ReasonForm({"key": request.POST.get("key", ""), "reason": request.POST.get("step_up_reason", "")})
    if not form.is_valid():
        return _finish(request, result=TradingError("Write why you flatten (and reload the page)."), strategy_id=pk)
    try:
        result: Outcome | TradingError = control_flatten(
            strategies=strategies, user=request.user, reason=form.cleaned_data["reason"], key=form.cleaned_data["key"]
        )
    except TradingError as exc:
        result = exc
    return _finish(request, result=result, strategy_id=pk)
