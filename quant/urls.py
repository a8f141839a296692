from django.urls import path

from quant.jobs import views as job_views
from quant.saved import views as saved_views
from quant.views import audit, strategies

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
]
