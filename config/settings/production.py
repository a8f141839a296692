"""Production: everything from the environment; refuses to start without its services."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters in production.")
if "postgresql" not in DATABASES["default"]["ENGINE"]:
    raise ImproperlyConfigured("Production requires DATABASE_URL=postgres://... (SQLite is for the quickstart).")
if not REDIS_URL:
    raise ImproperlyConfigured("Production requires REDIS_URL=redis://... for the job queue and cache.")

# Database connections that cannot exhaust PostgreSQL. Each process (a gunicorn worker, a Celery
# worker child) keeps one pool of at most DB_POOL_MAX_SIZE connections; a request borrows one and
# waits up to DB_POOL_TIMEOUT s for it instead of opening more. The health page runs no checks per
# request (quant.web.health: a cached snapshot, one single-flight refresh). Keep
#   gunicorn workers x DB_POOL_MAX_SIZE + Celery worker children x DB_POOL_MAX_SIZE + 2 (beat, shell)
#   < PostgreSQL max_connections (100 by default; superuser_reserved_connections keeps 3)
# e.g. 4 gunicorn workers x 4 + 4 Celery children x 4 + 2 = 34 < 97. (docs/operations.md)
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 4, minimum=1)
DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django refuses both at once
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": 1,
    "max_size": DB_POOL_MAX_SIZE,
    "timeout": env_int("DB_POOL_TIMEOUT", 10, minimum=1),
}

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
