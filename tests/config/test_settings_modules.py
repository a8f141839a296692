"""Each settings module imported in a clean subprocess with a controlled environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 20 + "9Q#xY!m2" * 6
PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], bool(s.CELERY_BROKER_URL), s.SESSION_COOKIE_SECURE)"
)


def _run(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    clean.update(env, DJANGO_SETTINGS_MODULE=module, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_local_defaults_to_sqlite_under_data_dir(tmp_path: Path) -> None:
    result = _run("config.settings.local", QUANTDESK_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "False", "False"]


def test_production_refuses_without_secret_key() -> None:
    result = _run("config.settings.production", DATABASE_URL="postgres://u@db/x", REDIS_URL="redis://r:6379/0")
    assert result.returncode != 0
    assert "Environment variable SECRET_KEY is required" in result.stderr


def test_production_refuses_sqlite() -> None:
    result = _run("config.settings.production", SECRET_KEY=GOOD_SECRET, REDIS_URL="redis://r:6379/0")
    assert result.returncode != 0
    assert "Production requires DATABASE_URL=postgres://" in result.stderr


def test_production_refuses_without_redis() -> None:
    result = _run("config.settings.production", SECRET_KEY=GOOD_SECRET, DATABASE_URL="postgres://u@db/x")
    assert result.returncode != 0
    assert "Production requires REDIS_URL" in result.stderr


def test_production_starts_with_everything_set() -> None:
    result = _run(
        "config.settings.production",
        SECRET_KEY=GOOD_SECRET,
        DATABASE_URL="postgres://u@db/x",
        REDIS_URL="redis://r:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "True", "True"]


def test_bad_env_value_fails_at_startup(tmp_path: Path) -> None:
    result = _run("config.settings.local", QUANTDESK_DATA_DIR=str(tmp_path), SESSION_TIMEOUT_SECONDS="soon")
    assert result.returncode != 0
    assert "SESSION_TIMEOUT_SECONDS='soon' is not an integer" in result.stderr


def test_sqlite_transactions_take_the_write_lock_up_front(tmp_path: Path) -> None:
    """Deferred SQLite transactions fail at once with "database is locked" when the in-process job
    thread and the web thread both write; IMMEDIATE ones wait for the lock (busy timeout)."""
    probe = (
        "import django; django.setup(); from django.db import connection as c; "
        "print(c.settings_dict['OPTIONS']['transaction_mode'], c.settings_dict['OPTIONS']['timeout'])"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.local", PYTHONPATH=str(ROOT), QUANTDESK_DATA_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["IMMEDIATE", "20"]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    clean.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_without_secret_key_is_a_one_line_error_not_a_traceback() -> None:
    services = {"DATABASE_URL": "postgres://u@db/x", "REDIS_URL": "redis://r:6379/0"}
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", **services)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: configuration (config.settings.production): Environment variable SECRET_KEY is required but not set."
    ]


def test_wsgi_and_celery_entry_points_also_fail_in_one_line() -> None:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.production", PYTHONPATH=str(ROOT))
    for module in ("config.wsgi", "config.asgi", "config.celery"):
        result = subprocess.run(
            [sys.executable, "-c", f"import {module}"], cwd=ROOT, env=clean, capture_output=True, text=True
        )
        assert result.returncode == 2, (module, result.stderr)
        assert "Traceback" not in result.stderr, module
        assert "SECRET_KEY is required but not set" in result.stderr, module
