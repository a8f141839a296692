from __future__ import annotations

from django.contrib import admin

from backtests.models import StrategyConfig


@admin.register(StrategyConfig)
class StrategyConfigAdmin(admin.ModelAdmin):
    """What a strategy runs. Going live is not an admin edit: the strategy's config page asks for a
    fresh TOTP code and a reason (audited)."""

    list_display = ("strategy", "source", "model_name", "capital", "broker", "updated")
    list_filter = ("source", "broker")
    readonly_fields = ("broker", "live_enabled_by", "live_enabled_at", "live_reason", "updated")
