from django.urls import path

from console.views import apikeys, health, home, jobs, users

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", health.health, name="health"),
    path("jobs/", jobs.jobs, name="jobs"),
    path("healthz", health.liveness, name="liveness"),
    path("users/", users.users, name="users"),
    path("new-user/", users.user_create, name="user_create"),
    # by user name, which cannot contain "/" (an id would make the URL walk's sample "1" a real user)
    path("users/<str:username>/", users.user_detail, name="user_detail"),
    path("users/<str:username>/access/", users.user_access, name="user_access"),
    path("users/<str:username>/<slug:action>/", users.user_action, name="user_action"),
    path("api-keys/", apikeys.api_keys, name="api_keys"),
    path("api-keys/new/", apikeys.api_key_create, name="api_key_create"),
    path("api-keys/<str:prefix>/revoke/", apikeys.api_key_revoke, name="api_key_revoke"),
]
