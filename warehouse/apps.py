from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "warehouse"
    verbose_name = "Warehouse"

    def ready(self) -> None:
        from console.nav import NavItem, register

        register(NavItem(area="Data", label="Warehouse", url_name="warehouse:status", order=10))
        try:  # the health registry lives on another branch until the integrator merges it
            from console.health.registry import register_check
        except ModuleNotFoundError:
            return
        from warehouse.health import warehouse_check

        register_check("Warehouse", warehouse_check, order=60)
