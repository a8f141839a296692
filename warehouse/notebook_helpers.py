"""What a notebook kernel imports first (before Django is set up, so nothing here imports models):

from warehouse.notebook_helpers import setup, catalog
setup()          # Django with the launcher's settings (DJANGO_SETTINGS_MODULE, QUANTDESK_DATA_DIR)
con = catalog()  # read-only DuckDB connection to the warehouse catalog
"""

from __future__ import annotations

import os

import duckdb


def setup() -> None:
    """Set Django up inside a notebook kernel (which runs an event loop, hence the async flag)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    django.setup()


def catalog() -> duckdb.DuckDBPyConnection:
    """A read-only connection to ``catalog.duckdb`` (one view per dataset, current versions)."""
    from warehouse import storage

    return duckdb.connect(str(storage.catalog_path()), read_only=True)
