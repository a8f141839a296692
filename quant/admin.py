from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from quant.accounts import user_admin
from quant.models import AccessLog, SavedResult, Strategy
from quant.trading.models import BrokerState, CashEntry, Fill, Order, PnLSnapshot, Position

user_admin.install()


@admin.register(Strategy)
class StrategyAdmin(GuardedModelAdmin):
    list_display = ("name", "status", "owner", "updated")
    list_filter = ("status",)
    search_fields = ("name", "description")
    raw_id_fields = ("owner",)


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the access log is evidence, nobody edits or deletes it from the admin."""

    list_display = ("timestamp", "username", "action", "name", "object_type", "object_id", "ip")
    list_filter = ("action", "timestamp")
    search_fields = ("username", "name", "path", "reason", "object_id")
    date_hierarchy = "timestamp"
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False


@admin.register(SavedResult)
class SavedResultAdmin(admin.ModelAdmin):
    """Read-only: a saved result is what a command computed; it is stored once and never edited (it may
    be deleted, so that deleting its owner, which cascades, is not refused)."""

    list_display = ("id", "kind", "title", "owner", "code_version", "created_at")
    list_filter = ("kind", "created_at")
    search_fields = ("title", "owner__username")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SavedResult | None = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Trading rows are written only by quant.trading.services (and the fills import): the admin
    shows them and never adds, edits or deletes one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(_ReadOnlyAdmin):
    list_display = ("id", "strategy", "trade_date", "client_order_id", "side", "quantity", "symbol", "order_type",
                    "status", "filled_quantity", "avg_fill_price", "source")  # fmt: skip
    list_filter = ("status", "side", "order_type", "source", "broker")
    search_fields = ("client_order_id", "broker_order_id", "symbol", "strategy__name")
    date_hierarchy = "trade_date"
    list_select_related = ("strategy",)


@admin.register(Fill)
class FillAdmin(_ReadOnlyAdmin):
    list_display = ("id", "strategy", "trade_date", "side", "quantity", "symbol", "price", "fees", "broker_fill_id")
    list_filter = ("side", "venue")
    search_fields = ("symbol", "broker_fill_id", "order__client_order_id", "strategy__name")
    date_hierarchy = "trade_date"
    list_select_related = ("strategy",)
    raw_id_fields = ("order",)


@admin.register(Position)
class PositionAdmin(_ReadOnlyAdmin):
    list_display = ("strategy", "symbol", "quantity", "avg_cost", "cost_basis", "realized_pnl", "updated_at")
    search_fields = ("symbol", "strategy__name")
    list_select_related = ("strategy",)


@admin.register(CashEntry)
class CashEntryAdmin(_ReadOnlyAdmin):
    list_display = ("id", "strategy", "trade_date", "kind", "amount", "note")
    list_filter = ("kind",)
    search_fields = ("note", "strategy__name")
    date_hierarchy = "trade_date"
    list_select_related = ("strategy",)


@admin.register(PnLSnapshot)
class PnLSnapshotAdmin(_ReadOnlyAdmin):
    list_display = ("strategy", "date", "equity", "cash", "gross_exposure", "net_exposure", "realized_pnl",
                    "unrealized_pnl", "daily_return")  # fmt: skip
    date_hierarchy = "date"
    list_select_related = ("strategy",)


@admin.register(BrokerState)
class BrokerStateAdmin(_ReadOnlyAdmin):
    list_display = ("strategy", "broker", "updated_at")
    list_select_related = ("strategy",)
