from __future__ import annotations

from django.apps import AppConfig


class BacktestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "backtests"
    verbose_name = "Backtests"

    def ready(self) -> None:
        from backtests.health import register_backtest_checks
        from backtests.quickstart import STEPS
        from backtests.schedules import SCHEDULES
        from quant import schedules
        from quant.quickstart import register_steps
        from quant.web.nav import NavItem, register

        register(NavItem(area="Backtests", label="Runs", url_name="backtests:list",
                         permission="backtests.view_backtestrun", order=10))  # fmt: skip
        register(NavItem(area="Backtests", label="New backtest", url_name="backtests:new",
                         permission="backtests.add_backtestrun", order=20))  # fmt: skip
        register(NavItem(area="Backtests", label="Walk-forward", url_name="backtests:walkforward_new",
                         permission="backtests.add_backtestrun", order=25))  # fmt: skip
        register(NavItem(area="Backtests", label="Compare", url_name="backtests:compare",
                         permission="backtests.view_backtestrun", order=30))  # fmt: skip
        register_backtest_checks()
        schedules.register(*SCHEDULES)
        register_steps("backtests", STEPS)
