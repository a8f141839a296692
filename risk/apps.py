from django.apps import AppConfig


class RiskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "risk"

    def ready(self) -> None:
        from console.nav import NavItem, register
        from quant import schedules
        from risk.schedules import SCHEDULES

        register(NavItem(area="Risk", label="Risk dashboard", url_name="risk:dashboard", order=10))
        register(NavItem(area="Risk", label="Exposure heatmap", url_name="risk:exposures", order=20))
        schedules.register(*SCHEDULES)
