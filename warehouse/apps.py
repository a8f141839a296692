from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "warehouse"
    verbose_name = "Warehouse"

    def ready(self) -> None:
        from quant import schedules
        from quant.quickstart import register_steps
        from quant.web.health import register_check
        from quant.web.nav import NavItem, register
        from warehouse.health import providers_check, warehouse_check
        from warehouse.quickstart import STEPS
        from warehouse.schedules import SCHEDULES

        register(NavItem(area="Data", label="Warehouse", url_name="warehouse:status", order=10))
        register(NavItem(area="Data", label="Syncs", url_name="warehouse:syncs", order=11))
        register_check("Warehouse", warehouse_check, order=60)
        register_check("Data providers", providers_check, order=61)
        schedules.register(*SCHEDULES)
        register_steps("warehouse", STEPS)
