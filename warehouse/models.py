"""The Parquet warehouse: datasets, manifests, validation, readers."""

from django.db import models  # noqa: F401
