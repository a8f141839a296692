from django.apps import AppConfig


class ResearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "research"
    verbose_name = "Research"

    def ready(self) -> None:
        from quant.quickstart import register_steps
        from quant.web.nav import NavItem, register
        from research.quickstart import STEPS

        register(NavItem(area="Research", label="Alpha explorer", url_name="research:explorer", order=10))
        register(NavItem(area="Research", label="Model registry", url_name="research:models", order=20))
        register_steps("research", STEPS)
