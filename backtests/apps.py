from __future__ import annotations

from django.apps import AppConfig


class BacktestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "backtests"
    verbose_name = "Backtests"

    def ready(self) -> None:
        from backtests.health import register_backtest_checks
        from backtests.quickstart import STEPS
        from quant.quickstart import register_steps
        from quant.saved.pages import register_page
        from quant.web.nav import NavItem, StrategyLink, register, register_strategy_link

        register(NavItem(area="Backtests", label="Runs", url_name="backtests:list",
                         permission="backtests.view_backtestrun", order=10))  # fmt: skip
        register(NavItem(area="Backtests", label="New backtest", url_name="backtests:new",
                         permission="backtests.add_backtestrun", order=20))  # fmt: skip
        register(NavItem(area="Backtests", label="Walk-forward", url_name="backtests:walkforward_new",
                         permission="backtests.add_backtestrun", order=25))  # fmt: skip
        register(NavItem(area="Backtests", label="Compare", url_name="backtests:compare",
                         permission="backtests.view_backtestrun", order=30))  # fmt: skip
        register(NavItem(area="Overview", label="Performance", url_name="backtests:performance_total",
                         permission="quant.view_strategy", order=22))  # fmt: skip
        register(NavItem(area="Overview", label="Trade journal", url_name="backtests:journal",
                         permission="quant.view_strategy", order=24))  # fmt: skip
        register_strategy_link(StrategyLink(label="Performance", url_name="backtests:performance", order=10))
        register_strategy_link(StrategyLink(label="Trade journal", url_name="backtests:journal", query="strategy",
                                            order=20))  # fmt: skip
        register_strategy_link(StrategyLink(label="Compare", url_name="backtests:compare", query="s", order=30))
        register_strategy_link(StrategyLink(label="Execution quality", url_name="backtests:execution", order=35))
        register_page("perf_report", "backtests:saved_perf_report")
        register_trade_note_audit()
        register_backtest_checks()
        register_steps("backtests", STEPS)
        register_job_kinds()
        from backtests.tiles import register_tiles

        register_tiles()
        register_paper_broker()

        from backtests.schedules import SCHEDULES
        from quant import schedules

        schedules.register(*SCHEDULES)
        from auditlog.registry import auditlog

        from backtests.models import StrategyConfig

        auditlog.register(StrategyConfig)  # what a strategy trades, and who switched it to live


def register_job_kinds() -> None:
    """The two job kinds of this app (``quant.jobs.kinds``): a backtest run and a walk-forward
    parent (which runs no task itself: cancelling it cancels its candidate runs)."""
    from backtests import conf
    from backtests.services.runs import backtest_requeue, backtest_result_url
    from backtests.services.strategy_runs import strategy_run_requeue
    from backtests.services.walkforward import walkforward_on_cancel
    from quant.jobs.kinds import JobKind, register_kind

    shared = {"view_permission": "backtests.view_backtestrun", "cancel_permission": "backtests.change_backtestrun"}
    register_kind(JobKind(name="backtest", label="Backtest", queue=conf.queue(), requeue=backtest_requeue,
                          result_url=backtest_result_url, **shared))  # fmt: skip
    register_kind(JobKind(name="strategy_run", label="Strategy run", queue=conf.queue(),
                          requeue=strategy_run_requeue, view_permission="quant.view_strategy",
                          cancel_permission="quant.change_strategy"))  # fmt: skip
    register_kind(JobKind(name="walk_forward", label="Walk-forward", queue=conf.queue(),
                          on_cancel=walkforward_on_cancel, result_url=backtest_result_url, **shared))  # fmt: skip


def register_paper_broker() -> None:
    """The shared core's "paper" broker knows no prices; a configured strategy's paper broker
    trades at the warehouse's (``backtests.prices``), with its configured slippage and commission."""
    from backtests.services.strategies import paper_broker_for_strategy, warehouse_last_date
    from quant.trading.breaker_rules import market_data_register
    from quant.trading.brokers import broker_register

    broker_register("paper", paper_broker_for_strategy, replace=True)
    market_data_register(warehouse_last_date)  # the circuit breaker's stale-data rule


def register_trade_note_audit() -> None:
    """Tags and notes of trades are audited like the other models that matter (``quant.audit``)."""
    from auditlog.registry import auditlog

    from backtests.models import TradeNote

    if not auditlog.contains(TradeNote):
        auditlog.register(TradeNote)
