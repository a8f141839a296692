"""The Parquet warehouse: datasets, manifests, validation, readers."""

from django.db import models  # noqa: F401

from warehouse.models_sync import ProviderUsage, SyncRun  # noqa: E402,F401
