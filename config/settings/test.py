"""Settings for pytest. DATABASE_URL / REDIS_URL point at the real services when set."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test session gets its own data directory: tests never touch a developer's data/.
DATA_DIR = Path(tempfile.mkdtemp(prefix="quantdesk-test-data-"))
WAREHOUSE_DIR = DATA_DIR / "warehouse"
ANALYTICS_DIR = DATA_DIR / "analytics"
BACKTESTS_DIR = DATA_DIR / "backtests"
MODELS_DIR = DATA_DIR / "models"
LOCKS_DIR = DATA_DIR / "locks"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests reap explicitly; a background reaper thread would race with them (tests that need it turn it on).
JOBS_EMBEDDED_REAPER_SECONDS = 0
