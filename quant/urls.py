from django.urls import path

from console.views import audit
from quant import views

app_name = "quant"

urlpatterns = [
    path("strategies/", views.strategy_list, name="strategy_list"),
    path("strategies/<int:pk>/", views.strategy_detail, name="strategy_detail"),
    path("strategies/<int:pk>/halt/", views.strategy_halt, name="strategy_halt"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
]
