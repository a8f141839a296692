from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from quant.accounts import user_admin
from quant.models import AccessLog, SavedResult, Strategy

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
