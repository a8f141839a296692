from django.apps import AppConfig


class RiskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "risk"

    def ready(self) -> None:
        from quant import schedules
        from quant.quickstart import register_steps
        from quant.web.nav import NavItem, register
        from risk.quickstart import STEPS
        from risk.schedules import SCHEDULES

        register(NavItem(area="Risk", label="Risk dashboard", url_name="risk:dashboard", order=10))
        register(NavItem(area="Risk", label="Exposure heatmap", url_name="risk:exposures", order=20))
        schedules.register(*SCHEDULES)
        register_steps("risk", STEPS)
