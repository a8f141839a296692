from django.urls import path

from quant.views import audit, strategies

app_name = "quant"

urlpatterns = [
    path("strategies/", strategies.strategy_list, name="strategy_list"),
    path("strategies/<int:pk>/", strategies.strategy_detail, name="strategy_detail"),
    path("strategies/<int:pk>/halt/", strategies.strategy_halt, name="strategy_halt"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
]
