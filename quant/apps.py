from django.apps import AppConfig


class QuantConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quant"

    def ready(self) -> None:
        from console.nav import NavItem, register
        from quant.accounts import admin_site
        from quant.audit import register_auditlog

        admin_site.install()
        register_auditlog()
        register(NavItem(area="Overview", label="Strategies", url_name="quant:strategy_list", order=20))
        register(NavItem(area="Overview", label="Profile & 2FA", url_name="account_profile", order=90))
        register(NavItem(area="Admin", label="Audit log", url_name="quant:audit_log", permission="quant.view_audit"))
        install_beat_schedule()


REAPER_ENTRY = "jobs: reap stale jobs"


def install_beat_schedule() -> None:
    """Beat runs the job reaper every minute: django-celery-beat's DatabaseScheduler copies the app's
    ``beat_schedule`` into its tables when beat starts (no migration, no manual admin step)."""
    from config.celery import app

    app.conf.beat_schedule = {
        **(app.conf.beat_schedule or {}),
        REAPER_ENTRY: {"task": "quant.reap_jobs", "schedule": 60.0, "options": {"queue": "default"}},
    }
