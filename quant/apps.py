from django.apps import AppConfig


class QuantConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quant"

    def ready(self) -> None:
        from quant import schedules
        from quant.accounts import admin_site, signals
        from quant.audit import register_auditlog
        from quant.jobs.kinds import JobKind, register_kind
        from quant.quickstart import STEPS, register_steps
        from quant.trading.reconcile import JOB_KIND as RECONCILE
        from quant.trading.reconcile import reconcile_requeue
        from quant.web.nav import NavItem, register

        admin_site.install()
        register_auditlog()
        signals.connect()
        schedules.register(*schedules.SCHEDULES)
        register(NavItem(area="Overview", label="Strategies", url_name="quant:strategy_list", order=20))
        register(NavItem(area="Overview", label="Profile & 2FA", url_name="account_profile", order=90))
        register(NavItem(area="Research", label="My saved results", url_name="quant:saved_results", order=90))
        register(NavItem(area="Admin", label="Audit log", url_name="quant:audit_log", permission="quant.view_audit"))
        register_steps("quant", STEPS)
        from quant.tiles import register_tiles

        register_tiles()
        register_kind(JobKind(name=RECONCILE, label="Trading reconciliation", requeue=reconcile_requeue))
        from quant.trading.ops import install

        install()
