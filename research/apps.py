from django.apps import AppConfig


class ResearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "research"
    verbose_name = "Research"

    def ready(self) -> None:
        from console.nav import NavItem, register
        from quant.saved.pages import register_page

        register(NavItem(area="Research", label="Alpha explorer", url_name="research:explorer", order=10))
        register(NavItem(area="Research", label="Model registry", url_name="research:models", order=20))
        register_page("attribution", "research:saved_attribution")
        register_page("alpha_report", "research:saved_alpha_report")
