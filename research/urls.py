from django.urls import path

from research.views import alpha, models

app_name = "research"

urlpatterns = [
    path("alpha/", alpha.explorer, name="explorer"),
    path("alpha/correlation/", alpha.correlation, name="correlation"),
    path("alpha/<slug:name>/", alpha.signal_detail, name="signal"),
    path("alpha/<slug:name>/recompute/", alpha.signal_recompute, name="signal_recompute"),
    path("models/", models.registry, name="models"),
    path("models/<int:pk>/promote/", models.promote, name="promote"),
]
