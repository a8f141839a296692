"""Settings shared by every environment.

Every value that differs between machines comes from the environment through `config.env`.
`local`, `test` and `production` only change defaults and add the checks their setting needs.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from config.env import env_bool, env_float, env_int, env_list, env_path, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = env_path("QUANTDESK_DATA_DIR", BASE_DIR / "data")
WAREHOUSE_DIR = DATA_DIR / "warehouse"
ANALYTICS_DIR = DATA_DIR / "analytics"
BACKTESTS_DIR = DATA_DIR / "backtests"
MODELS_DIR = DATA_DIR / "models"
LOCKS_DIR = DATA_DIR / "locks"
# Ken French daily factor files that give the demo source its real market history
# (docs/demo-data.md); absent folder -> the demo's planted synthetic paths on every date.
DEMO_HISTORY_DIR = env_path("QUANTDESK_DEMO_HISTORY_DIR", BASE_DIR.parent / "shared" / "data" / "french")

SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-only-never-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "guardian",
    "auditlog",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "rest_framework",  # the read-only JSON API (console/restapi/)
    "rest_framework_api_key",  # its hashed keys (console.ApiKey extends AbstractAPIKey)
    # Quantdesk
    "quant",
    "warehouse",
    "research",
    "risk",
    "backtests",
    "console",
    "tax",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "console.middleware.RequestLatencyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "quant.accounts.middleware.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "quant.accounts.middleware.OTPVerificationRequiredMiddleware",
    "quant.accounts.middleware.PagePermissionMiddleware",
    "console.middleware.PasswordChangeRequiredMiddleware",  # an admin asked for a new password
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.console",
                "quant.trading.ops.breaker_context",  # the circuit breaker card in every header
                "alerts.context_processors.bell",  # the open-alerts count in the header
            ],
        },
    },
]

DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{DATA_DIR / 'quantdesk.sqlite3'}",
    schemes=("sqlite", "postgres", "postgresql"),
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the in-process job thread write while the web thread reads. IMMEDIATE transactions
    # take the write lock at BEGIN, so a writer waits (up to `timeout` s) instead of failing at once
    # with "database is locked" when a read transaction would have to upgrade to a write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, queue -----------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss"))
if REDIS_URL:
    # Falls back to the database table quant_cache while Redis is down (login keeps its throttling).
    CACHES = {"default": {"BACKEND": "quant.cache.RedisWithDatabaseFallback", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "quantdesk"}}

CELERY_BROKER_URL = REDIS_URL or None
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 4 * 3600, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 4 * 3600 - 300, minimum=1)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ["default", "sync", "analytics", "backtests", "reports", "alerts"]
# Glob patterns on task names: name tasks "<app>.tasks.<verb>" so they match.
CELERY_TASK_ROUTES = {
    "warehouse.tasks.*": {"queue": "sync"},
    "backtests.tasks.*": {"queue": "backtests"},
    "risk.tasks.*": {"queue": "analytics"},
    "research.tasks.*": {"queue": "analytics"},
    "alerts.tasks.*": {"queue": "alerts"},
}
# A broker that does not answer fails a submission within seconds (the job row is then marked
# failed with the reason) instead of holding the web request for ~20 s of retries.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True  # a worker started before Redis waits for it
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "America/New_York"
# Off by default; the test settings may switch it on. Never eager in production.
CELERY_TASK_ALWAYS_EAGER = False

# --- brokers ----------------------------------------------------------------------------------
# Alpaca (quant.trading.alpaca). Keys are secrets: set them in the environment only, never in files
# or logs. ALPACA_BASE_URL is optional (empty = Alpaca's paper or live host per ALPACA_PAPER) and
# is given without /v2, e.g. https://paper-api.alpaca.markets.
ALPACA_API_KEY_ID = env_str("ALPACA_API_KEY_ID", "")
ALPACA_API_SECRET_KEY = env_str("ALPACA_API_SECRET_KEY", "")
ALPACA_BASE_URL = env_url("ALPACA_BASE_URL", "", schemes=("https", "http"))
ALPACA_PAPER = env_bool("ALPACA_PAPER", True)
ALPACA_TIMEOUT_SECONDS = env_float("ALPACA_TIMEOUT_SECONDS", 10.0)

# --- identity ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "console:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
# Users are created by admins, never by self sign-up.
ACCOUNT_ADAPTER = "quant.accounts.adapter.NoSignupAccountAdapter"
OTP_TOTP_ISSUER = "Quantdesk"
# Never show TOTP keys, their QR codes or backup codes in the admin (quant/accounts/user_admin.py).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
GUARDIAN_RAISE_403 = True
ANONYMOUS_USER_NAME = None

SESSION_COOKIE_AGE = env_int("SESSION_TIMEOUT_SECONDS", 8 * 3600, minimum=60)
# Sliding expiry (the timeout counts from the last request) without a write per request: the
# session is re-saved at most once a minute (quant.accounts.middleware.SlidingSessionMiddleware).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60, minimum=1)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
CSRF_FAILURE_VIEW = "console.views.errors.csrf_failure"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "quantdesk@localhost")

# --- i18n, static -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["config.formats"]  # ISO dates everywhere (config/formats/en/formats.py)
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "staticfiles")

AUDITLOG_INCLUDE_ALL_MODELS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# --- data tools (warehouse/explorer, exports, notebooks; docs/data-tools.md) -------------------------
EXPLORER_MEMORY_LIMIT = env_str("EXPLORER_MEMORY_LIMIT", "1GB")
EXPLORER_THREADS = env_int("EXPLORER_THREADS", 2, minimum=1)
EXPLORER_TIME_LIMIT_SECONDS = env_float("EXPLORER_TIME_LIMIT_SECONDS", 20.0)
EXPLORER_PAGE_ROWS = env_int("EXPLORER_PAGE_ROWS", 100, minimum=1)
EXPLORER_MAX_ROWS = env_int("EXPLORER_MAX_ROWS", 10_000, minimum=1)
EXPORT_TTL_HOURS = env_int("EXPORT_TTL_HOURS", 24, minimum=1)
EXPORT_TIME_LIMIT_SECONDS = env_float("EXPORT_TIME_LIMIT_SECONDS", 600.0)
