"""The Django admin: the library's own APIKey model is not used (console.ApiKey is; keys are
issued and revoked on Admin → API keys, audited), so its admin page is removed."""

from __future__ import annotations

from django.contrib import admin
from rest_framework_api_key.models import APIKey

if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)
