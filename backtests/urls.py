from django.urls import path

from backtests.views import compare, execution, journal, performance, research, results, runs, saved, strategies

app_name = "backtests"

urlpatterns = [
    path("", runs.runs_index, name="list"),
    path("new/", runs.run_new, name="new"),
    path("walk-forward/new/", runs.walkforward_new, name="walkforward_new"),
    path("compare/", compare.compare, name="compare"),
    path("performance/", performance.performance, name="performance_total"),
    path("performance/today/", performance.performance_today, name="performance_total_today"),
    path("performance/<int:strategy_id>/", performance.performance, name="performance"),
    path("performance/<int:strategy_id>/today/", performance.performance_today, name="performance_today"),
    path("execution/<int:strategy_id>/", execution.execution, name="execution"),
    path("execution/<int:strategy_id>/order/<int:order_id>/", execution.execution_order, name="execution_order"),
    path("journal/", journal.journal, name="journal"),
    path("journal/export.<str:fmt>", journal.journal_export, name="journal_export"),
    path("journal/note/<int:entry_id>/<int:exit_id>/", journal.trade_note, name="trade_note"),
    path("<int:run_id>/", runs.run_detail, name="detail"),
    path("<int:run_id>/cancel/", runs.run_cancel, name="cancel"),
    path("<int:run_id>/results/", results.run_results, name="results"),
    path("<int:run_id>/trades.csv", results.trades_csv, name="trades_csv"),
    path("<int:run_id>/montecarlo/", results.run_montecarlo, name="montecarlo"),
    path("<int:run_id>/attribution/", research.attribution, name="attribution"),
    path("signal/<slug:name>/", research.signal_runs, name="signal_runs"),
    path("signal/<slug:name>/backtest/", research.signal_backtest, name="signal_backtest"),
    path("<int:run_id>/relative/", results.run_relative_view, name="relative"),
    path("strategies/<int:pk>/config/", strategies.strategy_config, name="strategy_config"),
    path("strategies/<int:pk>/live/", strategies.strategy_go_live, name="strategy_go_live"),
    path("saved/<int:pk>/", saved.saved_perf_report, name="saved_perf_report"),
]
