"""The warehouse's beat schedules (registered by ``WarehouseConfig.ready``; `quant.schedules`).

In embedded mode (no ``REDIS_URL``: no Celery beat) without WRDS credentials they start disabled: a
nightly WRDS sync could only fail. Enable them later with ``python manage.py schedules --enable NAME``.
"""

from __future__ import annotations

from django.conf import settings

from quant.schedules import Crontab, Every, Schedule
from warehouse.sources.wrds.client import WrdsConfig

TIMEZONE = "America/New_York"
QUEUE = "sync"


def embedded_mode() -> bool:
    """No Redis: jobs run in-process and there is no Celery beat to fire the schedules."""
    return not settings.REDIS_URL


def wrds_credentials_configured() -> bool:
    return bool(WrdsConfig.from_settings().username)


def default_enabled() -> bool:
    """Schedules start enabled unless embedded mode has no WRDS credentials to sync with."""
    return not (embedded_mode() and not wrds_credentials_configured())


SCHEDULES = (
    # WRDS refreshes overnight; Tuesday–Saturday 02:30 New York picks up each weekday's update.
    Schedule("wrds-incremental-nightly", "warehouse.tasks.wrds_sync", Crontab("30", "2", "2-6", timezone=TIMEZONE),
             QUEUE, "Incremental sync of every WRDS dataset from its watermark.", {"mode": "incremental"},
             enabled=default_enabled, operator_timing=True),
    # The French library updates monthly; a weekly pull is cheap and catches revisions.
    Schedule("french-weekly", "warehouse.tasks.french_sync", Crontab("0", "4", "0", timezone=TIMEZONE), QUEUE,
             "Ken French factors and industry portfolios.", {"retry_count": 3}, enabled=default_enabled,
             operator_timing=True),
    # Tampered files: health and /warehouse/ show them, readers and the catalog refuse them.
    Schedule("warehouse-verify", "warehouse.tasks.verify_live", Every(900), QUEUE,
             "Re-hash every file of the live datasets against its manifest (sha256)."),
    # Export download links refuse once expired; this deletes the files behind them.
    Schedule("warehouse-exports-prune", "warehouse.tasks.exports_prune", Every(3600), QUEUE,
             "Delete the files of expired SQL explorer exports."),
)  # fmt: skip
