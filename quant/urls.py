from django.urls import path

from quant.jobs import views as job_views
from quant.saved import views as saved_views
from quant.views import audit, breaker, strategies, trading

app_name = "quant"

urlpatterns = [
    path("strategies/", strategies.strategy_list, name="strategy_list"),
    path("strategies/<int:pk>/", strategies.strategy_detail, name="strategy_detail"),
    path("strategies/<int:pk>/halt/", strategies.strategy_halt, name="strategy_halt"),
    path("jobs/<int:pk>/", job_views.job_status, name="job_status"),
    path("jobs/<int:pk>/cancel/", job_views.job_cancel_view, name="job_cancel"),
    path("jobs/<int:pk>/retry/", job_views.job_retry_view, name="job_retry"),
    path("saved/", saved_views.saved_result_list, name="saved_results"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    # operations: manual trade controls, circuit breaker, trading configuration
    path("trading/", trading.trade_controls, name="trade_controls"),
    path("trading/<int:pk>/orders/<int:order_id>/cancel/", trading.order_cancel_view, name="order_cancel"),
    path("trading/<int:pk>/cancel-symbol/", trading.symbol_cancel_view, name="symbol_cancel"),
    path("trading/<int:pk>/close/", trading.position_close_view, name="position_close"),
    path("trading/<int:pk>/adjust/", trading.position_adjust_view, name="position_adjust"),
    path("trading/flatten/", trading.flatten_preview, name="flatten_all_preview"),
    path("trading/flatten/confirm/", trading.flatten_view, name="flatten_all"),
    path("trading/<int:pk>/flatten/", trading.flatten_preview, name="flatten_preview"),
    path("trading/<int:pk>/flatten/confirm/", trading.flatten_view, name="flatten"),
    path("breaker/", breaker.breaker_dashboard, name="breaker"),
    path("breaker/trip/", breaker.breaker_trip_view, name="breaker_trip"),
    path("breaker/reset/", breaker.breaker_reset_view, name="breaker_reset"),
    path("trading/config/", breaker.trading_config, name="trading_config"),
    path("trading/config/save/", breaker.trading_config_save, name="trading_config_save"),
]
