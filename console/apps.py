from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "console"

    def ready(self) -> None:
        from console.health.checks import register_core_checks
        from console.nav import NavItem, register

        register(NavItem(area="Operations", label="Health", url_name="console:health", order=10))
        register(NavItem(area="Operations", label="Jobs", url_name="console:jobs", order=20))
        register_core_checks()
