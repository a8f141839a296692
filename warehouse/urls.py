from django.urls import path

from warehouse import views, views_explorer

app_name = "warehouse"

urlpatterns = [
    path("", views.status, name="status"),
    path("syncs/", views.syncs, name="syncs"),
    path("sql/", views_explorer.sql, name="sql"),
    path("exports/", views_explorer.export_create, name="export_create"),
    path("exports/<int:pk>/", views_explorer.export_status, name="export"),
    path("exports/<int:pk>/download/", views_explorer.export_download, name="export_download"),
]
