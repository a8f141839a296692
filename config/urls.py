from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("quant.accounts.urls")),  # allauth (filtered) + 2FA step + profile
    path("", include("console.urls")),
    path("quant/", include("quant.urls")),
    path("warehouse/", include("warehouse.urls")),
    path("research/", include("research.urls")),
    path("risk/", include("risk.urls")),
    path("backtests/", include("backtests.urls")),
    path("tax/", include("tax.urls")),
    path("alerts/", include("alerts.urls")),
    path("api/v1/", include("console.restapi.urls")),  # read-only JSON API (API keys)
]
