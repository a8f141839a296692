"""The circuit breaker dashboard (self-refreshing) with trip / reset, and the trading configuration."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from quant.accounts.decorators import control_denial, control_required
from quant.accounts.stepup import step_up_required
from quant.audit import log_access
from quant.services import access_log_create
from quant.trading.breaker import breaker_history, breaker_reset, breaker_status, breaker_trip
from quant.trading.breaker_rules import rules_check
from quant.trading.config import config_diff, config_save, trading_settings
from quant.trading.errors import TradingError
from quant.trading.forms import TradingConfigForm
from quant.trading.ops_selectors import config_versions
from quant.web.htmx import render_htmx

CONTROL = "quant.use_controls"
CONFIG_PERMISSION = "quant.change_tradingconfig"
POLL_SECONDS = 5


def _back(request: HttpRequest, url_name: str) -> HttpResponse:
    url = reverse(url_name)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
@log_access("trading.breaker", part_of_page=True)
def breaker_dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "status": breaker_status(),
        "history": breaker_history(30),
        "config": trading_settings(),
        "firing": rules_check(),
        "can_control": control_denial(request.user, CONTROL) is None,
        "poll_seconds": POLL_SECONDS,
    }
    return render_htmx(request, "quant/breaker.html", "breaker-status", context)


@control_required(CONTROL)
@require_POST
def breaker_trip_view(request: HttpRequest) -> HttpResponse:
    reason = request.POST.get("reason", "").strip()
    try:
        status = breaker_trip(reason=reason, by=request.user.get_username(), user=request.user)
    except TradingError as exc:
        messages.error(request, str(exc))
        return _back(request, "quant:breaker")
    access_log_create(request=request, action="control", name="breaker.trip", object_type="quant.circuitbreaker",
                      object_id="1", reason=f"{reason} | state: {status.label}")  # fmt: skip
    messages.success(request, f"Circuit breaker tripped: no new order leaves the platform ({status.reason}).")
    return _back(request, "quant:breaker")


@control_required(CONTROL)
@step_up_required("breaker.reset", object_type="quant.circuitbreaker")
@require_POST
def breaker_reset_view(request: HttpRequest) -> HttpResponse:
    try:
        breaker_reset(reason=request.POST.get("step_up_reason", ""), user=request.user)
    except TradingError as exc:
        messages.error(request, str(exc))
        response = _back(request, "quant:breaker")
        response.control_refused = str(exc)
        return response
    messages.success(request, "Circuit breaker reset: orders may leave the platform again.")
    response = _back(request, "quant:breaker")
    response.control_detail = "before: tripped | after: armed"
    return response


@require_GET
@log_access("trading.config")
def trading_config(request: HttpRequest) -> HttpResponse:
    current = trading_settings()
    form = TradingConfigForm(initial=TradingConfigForm.initial_from(current))
    return _config_page(request, form, current)


def _config_page(request: HttpRequest, form: TradingConfigForm, current: object, status: int = 200) -> HttpResponse:
    can_edit = control_denial(request.user, CONFIG_PERMISSION) is None
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    context = {"form": form, "current": current, "versions": config_versions(), "can_edit": can_edit}
    return render_htmx(request, "quant/trading_config.html", "trading-config-form", context, status=status)


def _valid_config(request: HttpRequest) -> bool:
    return TradingConfigForm(request.POST).is_valid()


@control_required(CONFIG_PERMISSION)
@step_up_required("trading.config", object_type="quant.tradingconfig", when=_valid_config)
@require_POST
def trading_config_save(request: HttpRequest) -> HttpResponse:
    form = TradingConfigForm(request.POST)
    current = trading_settings()
    if not form.is_valid():  # asked before the code: an invalid form never spends a TOTP code
        return _config_page(request, form, current, status=200 if request.htmx else 422)
    new = form.settings()
    changes = config_diff(current, new)
    if not changes:
        messages.info(request, f"Nothing changed: version {current.version} stays in force.")
        return _back(request, "quant:trading_config")
    try:
        row = config_save(values=new, user=request.user, reason=request.POST.get("step_up_reason", ""))
    except (TradingError, ValueError) as exc:
        messages.error(request, str(exc))
        response = _back(request, "quant:trading_config")
        response.control_refused = str(exc)
        return response
    messages.success(request, f"Trading configuration v{row.version} is in force ({len(changes)} changes).")
    response = _back(request, "quant:trading_config")
    response.control_detail = f"v{row.version}: {json.dumps(changes, sort_keys=True)}"
    return response
