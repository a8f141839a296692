from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from tax.models import TaxAccount, TaxLot, TaxTrade


@admin.register(TaxAccount)
class TaxAccountAdmin(GuardedModelAdmin):
    list_display = ("name", "owner", "default_method", "basis_reported", "strategy")
    search_fields = ("name",)


@admin.register(TaxTrade)
class TaxTradeAdmin(admin.ModelAdmin):
    list_display = ("account", "date", "side", "symbol", "quantity", "price", "fees", "source")
    list_filter = ("side",)
    search_fields = ("symbol", "source")

    def has_change_permission(self, request, obj=None):  # trades change only through the services
        return False


@admin.register(TaxLot)
class TaxLotAdmin(admin.ModelAdmin):
    list_display = ("account", "lot_id", "symbol", "shares", "buy_date", "sell_date", "adjustment_code", "gain")
    list_filter = ("adjustment_code", "long_term")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):  # derived rows
        return False
