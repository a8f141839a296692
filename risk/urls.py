from django.urls import path

from risk import views

app_name = "risk"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tiles/<str:name>/", views.tile, name="tile"),
    path("runs/", views.runs, name="runs"),
    path("exposures/", views.exposures, name="exposures"),
    path("exposures/drill/", views.exposure_drill, name="exposure_drill"),
    path("rebuild/", views.rebuild, name="rebuild"),
]
