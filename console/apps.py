from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "console"

    def ready(self) -> None:
        from console.health.checks import register_core_checks
        from quant.web.nav import NavItem, register

        register(NavItem(area="Operations", label="Health", url_name="console:health", order=10))
        register(NavItem(area="Operations", label="Jobs", url_name="console:jobs", order=20))
        admins = "auth.view_user"
        register(NavItem(area="Admin", label="Users", url_name="console:users", permission=admins, order=10))
        register(NavItem(area="Admin", label="API keys", url_name="console:api_keys", permission=admins, order=20))
        register_core_checks()
