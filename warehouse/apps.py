from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "warehouse"
    verbose_name = "Warehouse"

    def ready(self) -> None:
        from console.nav import NavItem, register

        register(NavItem(area="Data", label="Warehouse", url_name="warehouse:status", order=10))
