"""Job knobs: a Django setting of the same name wins, else the environment, else the default.

Read at call time so a worker started with other environment variables (tests) applies them.
"""

from __future__ import annotations

from django.conf import settings

from config.env import env_int


def _int(name: str, default: int, minimum: int) -> int:
    value = getattr(settings, name, None)
    return int(value) if value is not None else env_int(name, default, minimum=minimum)


def heartbeat_seconds() -> int:
    """How often a running job stamps ``heartbeat_at`` (from a background thread)."""
    return _int("JOBS_HEARTBEAT_SECONDS", 5, 1)


def stale_seconds() -> int:
    """A running job whose heartbeat is older than this lost its worker."""
    return _int("JOBS_STALE_SECONDS", 60, 2)


def max_attempts() -> int:
    """Worker-lost jobs are re-queued until they have been started this many times."""
    return _int("JOBS_MAX_ATTEMPTS", 2, 1)


def cancel_grace_seconds() -> int:
    """After a cancel request, a running job has this long to stop by itself before its task is
    revoked with terminate (which kills the worker child stuck in a numeric kernel)."""
    return _int("JOBS_CANCEL_GRACE_SECONDS", 10, 1)


def progress_interval_ms() -> int:
    """Minimum time between progress/cancel checks written to the row."""
    return _int("JOBS_PROGRESS_INTERVAL_MS", 500, 50)


def log_tail_chars() -> int:
    """How much of a job's log the row keeps (the newest characters)."""
    return _int("JOBS_LOG_TAIL_CHARS", 20_000, 1_000)


def embedded_reaper_seconds() -> int:
    """Embedded mode (no broker, so no beat): the web process reaps lost jobs this often, starting
    when its job executor starts (0: never; the test settings turn it off)."""
    return _int("JOBS_EMBEDDED_REAPER_SECONDS", 60, 0)


def queued_resend_seconds() -> int:
    """A job still queued this long after it was created may never have reached the broker (the web
    process died between commit and send): the reaper sends it once more under a new task id (a
    duplicate delivery does nothing, see ``job_claim``)."""
    return _int("JOBS_QUEUED_RESEND_SECONDS", 900, 1)
