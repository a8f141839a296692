from django.urls import path

from backtests.views import research, results, runs, saved, strategies

app_name = "backtests"

urlpatterns = [
    path("", runs.runs_index, name="list"),
    path("new/", runs.run_new, name="new"),
    path("walk-forward/new/", runs.walkforward_new, name="walkforward_new"),
    path("compare/", results.compare, name="compare"),
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
