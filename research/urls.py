from django.urls import path

from research.views import alpha, events, models, saved, taq

app_name = "research"

urlpatterns = [
    path("alpha/", alpha.explorer, name="explorer"),
    path("alpha/correlation/", alpha.correlation, name="correlation"),
    path("alpha/<slug:name>/", alpha.signal_detail, name="signal"),
    path("alpha/<slug:name>/recompute/", alpha.signal_recompute, name="signal_recompute"),
    path("models/", models.registry, name="models"),
    path("models/<int:pk>/promote/", models.promote, name="promote"),
    path("microstructure/", taq.microstructure_index, name="microstructure"),
    path("microstructure/<str:symbol>/", taq.microstructure, name="microstructure_symbol"),
    path("taq/", taq.taq, name="taq"),
    path("events/", events.event_study, name="event_study"),
    path("events/pead/", events.pead, name="pead"),
    path("events/pead/refresh/", events.pead_refresh, name="pead_refresh"),
    path("saved/attribution/<int:pk>/", saved.saved_attribution, name="saved_attribution"),
    path("saved/alpha/<int:pk>/", saved.saved_alpha_report, name="saved_alpha_report"),
]
