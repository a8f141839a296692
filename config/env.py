"""Typed readers of the process environment.

Settings read every knob through these helpers so that a bad value fails loudly at start-up
with the variable's name, instead of surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from django.core.exceptions import ImproperlyConfigured

_MISSING: Final = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, default: object) -> str | object:
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    return value


def env_str(name: str, default: str | object = _MISSING) -> str:
    value = _raw(name, default)
    return value if isinstance(value, str) else str(value)


def env_bool(name: str, default: bool | object = _MISSING) -> bool:
    value = _raw(name, default)
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={value!r} is not a boolean (use one of 1/0, true/false, yes/no, on/off)."
    )


def env_int(name: str, default: int | object = _MISSING, *, minimum: int | None = None) -> int:
    value = _raw(name, default)
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not an integer.") from exc
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Environment variable {name}={number} must be >= {minimum}.")
    return number


def env_float(name: str, default: float | object = _MISSING) -> float:
    value = _raw(name, default)
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not a number.") from exc


def env_list(name: str, default: list[str] | object = _MISSING) -> list[str]:
    value = _raw(name, default)
    if isinstance(value, list):
        return value
    return [item.strip() for item in str(value).split(",") if item.strip()]


def env_path(name: str, default: Path | object = _MISSING) -> Path:
    value = _raw(name, default)
    return Path(value).expanduser().resolve()  # type: ignore[arg-type]


def env_url(name: str, default: str | object = _MISSING, *, schemes: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value and not any(value.startswith(f"{scheme}://") for scheme in schemes):
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} must be a URL with scheme {' or '.join(schemes)}."
        )
    return value


def settings_or_exit() -> None:
    """Import the settings module now; a bad or missing variable ends the process with one line
    on stderr and exit code 2 instead of a traceback (manage.py, WSGI/ASGI and Celery call this)."""
    import importlib
    import sys

    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if not module:
        return
    try:
        importlib.import_module(module)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"error: configuration ({module}): {exc}\n")
        raise SystemExit(2) from None
