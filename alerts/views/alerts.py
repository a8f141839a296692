"""Alert history (filters), one alert with its deliveries, acknowledge."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from alerts.forms import AckForm, HistoryFilter
from alerts.models import Alert
from alerts.selectors import HISTORY_SHOWN, alert_history, deliveries_of
from alerts.services import AlertError, alert_acknowledge
from alerts.views import need
from quant.audit import log_access
from quant.web.htmx import render_htmx


@require_GET
@log_access("alerts.history")
def history(request: HttpRequest) -> HttpResponse:
    form = HistoryFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    alerts = alert_history(status=filters.get("status", ""), severity=filters.get("severity", ""),
                           rule=filters.get("rule"))[:HISTORY_SHOWN]  # fmt: skip
    context = {"form": form, "alerts": alerts, "can_ack": request.user.has_perm("alerts.acknowledge_alert"),
               "ack_form": AckForm(), "shown": HISTORY_SHOWN}  # fmt: skip
    return render_htmx(request, "alerts/history.html", "alerts-history", context)


@require_GET
@log_access("alerts.alert")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.select_related("rule", "acknowledged_by"), pk=pk)
    context = {"alert": alert, "deliveries": deliveries_of(alert=alert), "ack_form": AckForm(),
               "can_ack": request.user.has_perm("alerts.acknowledge_alert")}  # fmt: skip
    return render(request, "alerts/alert_detail.html", context)


@require_POST
@log_access("alerts.acknowledge", action="control")
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, "alerts.acknowledge_alert", "acknowledge alerts")
    alert = get_object_or_404(Alert, pk=pk)
    form = AckForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a short note to acknowledge an alert.")
    else:
        try:
            alert_acknowledge(alert=alert, user=request.user, note=form.cleaned_data["note"])
            messages.success(request, f"Alert #{alert.pk} acknowledged.")
        except AlertError as exc:
            messages.error(request, str(exc))
    return redirect("alerts:alert", pk=alert.pk)
