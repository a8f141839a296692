from django.urls import path

from warehouse import views, views_datasets, views_explorer, views_notebooks, views_quality, views_syncs

app_name = "warehouse"

urlpatterns = [
    path("", views.status, name="status"),
    path("syncs/", views.syncs, name="syncs"),
    path("syncs/dashboard/", views_syncs.dashboard, name="sync_dashboard"),
    path("syncs/jobs/<int:pk>/", views_syncs.job_log, name="sync_log"),
    path("syncs/trigger/", views_syncs.trigger, name="sync_trigger"),
    path("schedules/<slug:name>/", views_syncs.schedule_edit, name="schedule_edit"),
    path("datasets/<slug:name>/", views_datasets.dataset, name="dataset"),
    path("datasets/<slug:name>/quality/", views_quality.quality, name="quality"),
    path("datasets/<slug:name>/quality/ack/", views_quality.acknowledge, name="quality_ack"),
    path("notebooks/", views_notebooks.notebooks, name="notebooks"),
    path("notebooks/start/", views_notebooks.notebook_start_view, name="notebook_start"),
    path("notebooks/<int:pk>/stop/", views_notebooks.notebook_stop_view, name="notebook_stop"),
    path("sql/", views_explorer.sql, name="sql"),
    path("exports/", views_explorer.export_create, name="export_create"),
    path("exports/<int:pk>/", views_explorer.export_status, name="export"),
    path("exports/<int:pk>/download/", views_explorer.export_download, name="export_download"),
]
