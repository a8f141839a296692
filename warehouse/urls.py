from django.urls import path

from warehouse import views

app_name = "warehouse"

urlpatterns = [
    path("", views.status, name="status"),
    path("syncs/", views.syncs, name="syncs"),
]
