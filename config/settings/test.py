"""Settings for pytest. DATABASE_URL / REDIS_URL point at the real services when set."""

from __future__ import annotations

import os
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
# The shared reference data as tests/support/shared_data.py finds it (env, ../shared, /work/shared):
# worktrees live one level deeper than the main checkout.
_shared = [Path(p) for p in (os.environ.get("QUANTDESK_SHARED_DATA"),) if p]
_shared += [BASE_DIR.parent / "shared" / "data", Path("/work/shared/data")]
if "QUANTDESK_DEMO_HISTORY_DIR" not in os.environ:
    DEMO_HISTORY_DIR = next((p / "french" for p in _shared if (p / "french").is_dir()), DEMO_HISTORY_DIR)  # noqa: F405
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
# Each test session keys the shared Redis cache apart: counts and flags cached by an earlier run (or a
# dev server on the same database number) never leak in. Child processes (a real Celery worker)
# inherit the prefix through the environment.
if "QUANTDESK_TEST_CACHE_PREFIX" not in os.environ:
    os.environ["QUANTDESK_TEST_CACHE_PREFIX"] = f"test-{os.getpid()}-{os.urandom(3).hex()}"
for _cache in CACHES.values():  # noqa: F405
    _cache["KEY_PREFIX"] = os.environ["QUANTDESK_TEST_CACHE_PREFIX"]
