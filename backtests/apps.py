from __future__ import annotations

from django.apps import AppConfig


class BacktestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "backtests"
    verbose_name = "Backtests"

    def ready(self) -> None:
        from backtests.health import register_backtest_checks
        from console.nav import NavItem, register
        from quant.saved.pages import register_page

        register(NavItem(area="Backtests", label="Runs", url_name="backtests:list",
                         permission="backtests.view_backtestrun", order=10))  # fmt: skip
        register(NavItem(area="Backtests", label="New backtest", url_name="backtests:new",
                         permission="backtests.add_backtestrun", order=20))  # fmt: skip
        register(NavItem(area="Backtests", label="Walk-forward", url_name="backtests:walkforward_new",
                         permission="backtests.add_backtestrun", order=25))  # fmt: skip
        register(NavItem(area="Backtests", label="Compare", url_name="backtests:compare",
                         permission="backtests.view_backtestrun", order=30))  # fmt: skip
        register_page("perf_report", "backtests:saved_perf_report")
        register_backtest_checks()
        install_beat_schedule()


REAPER_ENTRY = "backtests: reap stale runs"


def install_beat_schedule() -> None:
    """Beat runs the reaper every minute: django-celery-beat's DatabaseScheduler copies the app's
    ``beat_schedule`` into its tables when beat starts (no migration, no manual admin step)."""
    from config.celery import app

    app.conf.beat_schedule = {
        **(app.conf.beat_schedule or {}),
        REAPER_ENTRY: {"task": "backtests.tasks.reap_stale_runs", "schedule": 60.0, "options": {"queue": "backtests"}},
    }
