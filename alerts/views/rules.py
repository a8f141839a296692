"""Rules and channels: list, create, edit, enable/disable, send a test."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from alerts.forms import ChannelForm, RuleForm
from alerts.models import AlertRule, Channel
from alerts.selectors import channels, deliveries_of, rules
from alerts.services import AlertError, rule_send_test
from alerts.views import need
from quant.audit import log_access

RECENT_DELIVERIES = 20


@require_http_methods(["GET"])
@log_access("alerts.rules")
def rule_list(request: HttpRequest) -> HttpResponse:
    context = {"rules": rules(), "channels": channels(), "can_change": request.user.has_perm("alerts.change_alertrule"),
               "deliveries": deliveries_of(alert__isnull=True, report__isnull=True)[:RECENT_DELIVERIES]}  # fmt: skip
    return render(request, "alerts/rules.html", context)


@require_http_methods(["GET", "POST"])
@log_access("alerts.rule_edit")
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    need(request, "alerts.change_alertrule", "change alert rules")
    rule = get_object_or_404(AlertRule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if rule is None:
            saved.created_by = request.user
        saved.save()
        form.save_m2m()
        messages.success(request, f"Rule {saved.name!r} saved.")
        return redirect("alerts:rules")
    return render(
        request,
        "alerts/form.html",
        {"form": form, "title": f"Rule {rule.name}" if rule else "New alert rule", "units": AlertRule.UNITS},
        status=400 if form.errors else 200,
    )


@require_POST
@log_access("alerts.rule_toggle", action="control")
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, "alerts.change_alertrule", "change alert rules")
    rule = get_object_or_404(AlertRule, pk=pk)
    AlertRule.objects.filter(pk=pk).update(enabled=not rule.enabled)
    messages.success(request, f"Rule {rule.name!r} {'disabled' if rule.enabled else 'enabled'}.")
    return redirect("alerts:rules")


@require_POST
@log_access("alerts.rule_test", action="control")
def rule_test(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, "alerts.change_alertrule", "send test alerts")
    rule = get_object_or_404(AlertRule, pk=pk)
    try:
        n = rule_send_test(rule=rule, user=request.user)
        messages.success(request, f"Test queued to {n} channel(s); see the deliveries below.")
    except AlertError as exc:
        messages.error(request, str(exc))
    return redirect("alerts:rules")


@require_http_methods(["GET", "POST"])
@log_access("alerts.channel_edit")
def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    need(request, "alerts.change_alertrule", "change alert channels")
    channel = get_object_or_404(Channel, pk=pk) if pk else None
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Channel {saved.name!r} saved (secret {saved.secret_hint}).")
        return redirect("alerts:rules")
    title = f"Channel {channel.name}" if channel else "New channel"
    return render(request, "alerts/form.html", {"form": form, "title": title, "channel": channel},
                  status=400 if form.errors else 200)  # fmt: skip
