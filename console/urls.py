from django.urls import path

from console.views import health, home, jobs

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", health.health, name="health"),
    path("jobs/", jobs.jobs, name="jobs"),
    path("healthz", health.liveness, name="liveness"),
]
