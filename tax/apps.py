from django.apps import AppConfig


class TaxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tax"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from quant.quickstart import register_steps
        from quant.web.nav import NavItem, register
        from tax.models import TaxAccount, TaxTrade
        from tax.quickstart import STEPS

        for model in (TaxAccount, TaxTrade):
            if not auditlog.contains(model):
                auditlog.register(model)
        register(NavItem(area="Overview", label="Tax lots", url_name="tax:accounts", order=40))
        register_steps("tax", STEPS)
