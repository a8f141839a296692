"""The one write lock of the project: one writer per domain (`warehouse`, `analytics`, `models`, ...).

A lock is a file ``<LOCKS_DIR>/<domain>.lock`` created with ``O_CREAT | O_EXCL`` holding JSON:
pid, process start time, hostname, writer id, token, acquired and expiry timestamps.

- **Stale locks.** A lock is stale when it has expired (default 4 hours after acquisition or the
  last `refresh`) or when its holder ran on this host and that process is gone (the pid is dead,
  or was reused by a process with a different start time).
- **Exactly one takeover.** Every removal of a lock file (release, stale takeover, force unlock)
  happens while holding an ``flock`` on ``<domain>.guard`` and after re-reading the token, so no
  contender can delete a lock that another contender has just created; after the stale file is
  gone, contenders race on ``O_EXCL`` and exactly one wins. The kernel drops the ``flock`` when a
  process dies, so the guard itself can never go stale.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from quant.io import atomic_write_text

logger = logging.getLogger("quantdesk.locks")

DEFAULT_EXPIRY = dt.timedelta(hours=4)
KNOWN_DOMAINS = ("warehouse", "analytics", "models")
# A lock file that exists but is empty or unparsable is being written by its creator; after this
# grace period it is treated as the debris of a crash.
UNREADABLE_GRACE_SECONDS = 5.0
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class LockInfo:
    domain: str
    writer: str
    pid: int
    hostname: str
    token: str
    acquired: str  # ISO-8601, UTC
    expires: str  # ISO-8601, UTC
    process_started: float | None = None

    @property
    def expires_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.expires)

    @property
    def acquired_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.acquired)

    def describe(self) -> str:
        return (
            f"held by writer '{self.writer}' (pid {self.pid} on {self.hostname}) "
            f"since {self.acquired}, expires {self.expires}"
        )


class LockError(RuntimeError):
    """Base class of lock errors."""


class LockBusy(LockError):
    """The domain is locked by a live holder."""

    def __init__(self, domain: str, holder: LockInfo | None, message: str | None = None) -> None:
        self.domain = domain
        self.holder = holder
        detail = holder.describe() if holder else "held by a writer that is still creating its lock file"
        super().__init__(message or f"The '{domain}' write lock is busy: {detail}.")


class LockLost(LockError):
    """The lock was taken over (it expired) while its writer still believed it held it."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def locks_dir() -> Path:
    from django.conf import settings

    return Path(settings.LOCKS_DIR)


def _paths(domain: str, directory: Path | None) -> tuple[Path, Path]:
    if not domain or "/" in domain or domain.startswith("."):
        raise ValueError(f"Invalid lock domain {domain!r}.")
    base = directory if directory is not None else locks_dir()
    base.mkdir(parents=True, exist_ok=True)
    return base / f"{domain}.lock", base / f"{domain}.guard"


def _process_start(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError):
        return None


def holder_alive(info: LockInfo) -> bool | None:
    """True/False for a holder on this host; None when it runs elsewhere (cannot tell)."""
    if info.hostname != socket.gethostname():
        return None
    started = _process_start(info.pid)
    if started is None:
        return False
    if psutil.Process(info.pid).status() == psutil.STATUS_ZOMBIE:
        return False
    return info.process_started is None or abs(started - info.process_started) < 1.0


def is_stale(info: LockInfo, *, now: dt.datetime | None = None) -> bool:
    if (now or _now()) >= info.expires_at:
        return True
    return holder_alive(info) is False


def _read(path: Path) -> LockInfo | None | str:
    """The lock's info; None if there is no lock file; "unreadable" if it cannot be parsed."""
    try:
        raw = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return LockInfo(**json.loads(raw))
    except (ValueError, TypeError):
        return "unreadable"


def read_lock(domain: str, *, directory: Path | None = None) -> LockInfo | None:
    """The current holder of ``domain``'s lock, or None when it is free (or being created)."""
    path, _ = _paths(domain, directory)
    info = _read(path)
    return info if isinstance(info, LockInfo) else None


@contextlib.contextmanager
def _guard(guard_path: Path) -> Iterator[None]:
    fd = os.open(guard_path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _unreadable_is_debris(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > UNREADABLE_GRACE_SECONDS
    except FileNotFoundError:
        return True


def _try_remove_stale(path: Path, guard_path: Path, domain: str) -> LockInfo | None:
    """Remove the lock file if it is stale. Returns the live holder if it is not."""
    with _guard(guard_path):
        info = _read(path)
        if info is None:
            return None
        if info == "unreadable":
            if _unreadable_is_debris(path):
                logger.warning("Removing unreadable '%s' lock file left by a crashed writer.", domain)
                path.unlink(missing_ok=True)
                return None
            raise LockBusy(domain, None)
        assert isinstance(info, LockInfo)
        if not is_stale(info):
            return info
        logger.warning("Taking over stale '%s' lock: %s.", domain, info.describe())
        path.unlink()
        return None


class LockHandle:
    """A held lock. Use `refresh()` in long writers to push the expiry forward."""

    def __init__(self, path: Path, guard_path: Path, info: LockInfo, expiry: dt.timedelta) -> None:
        self.path = path
        self.guard_path = guard_path
        self.info = info
        self.expiry = expiry
        self.released = False

    @property
    def domain(self) -> str:
        return self.info.domain

    def _still_mine(self) -> bool:
        current = _read(self.path)
        return isinstance(current, LockInfo) and current.token == self.info.token

    def refresh(self) -> LockInfo:
        with _guard(self.guard_path):
            if not self._still_mine():
                raise LockLost(f"The '{self.domain}' lock was taken over; stop writing.")
            expires = (_now() + self.expiry).isoformat()
            self.info = LockInfo(**{**asdict(self.info), "expires": expires})
            atomic_write_text(self.path, json.dumps(asdict(self.info)))
        return self.info

    def release(self) -> None:
        if self.released:
            return
        with _guard(self.guard_path):
            if self._still_mine():
                self.path.unlink()
            else:
                logger.error("The '%s' lock was taken over before its writer released it.", self.domain)
        self.released = True


def acquire(
    domain: str,
    *,
    writer: str,
    wait: float = 0.0,
    expiry: dt.timedelta = DEFAULT_EXPIRY,
    directory: Path | None = None,
) -> LockHandle:
    """Take ``domain``'s write lock, waiting up to ``wait`` seconds; raises `LockBusy`."""
    path, guard_path = _paths(domain, directory)
    deadline = time.monotonic() + wait
    pid = os.getpid()
    while True:
        acquired = _now()
        info = LockInfo(
            domain=domain,
            writer=writer,
            pid=pid,
            hostname=socket.gethostname(),
            token=uuid.uuid4().hex,
            acquired=acquired.isoformat(),
            expires=(acquired + expiry).isoformat(),
            process_started=_process_start(pid),
        )
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _try_remove_stale(path, guard_path, domain)
            if holder is None:
                continue  # the stale lock is gone: race for it on O_EXCL
            if time.monotonic() >= deadline:
                raise LockBusy(domain, holder) from None
            time.sleep(POLL_SECONDS)
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(asdict(info)))
            fh.flush()
            os.fsync(fh.fileno())
        return LockHandle(path, guard_path, info, expiry)


@contextlib.contextmanager
def domain_lock(
    domain: str,
    *,
    writer: str,
    wait: float = 0.0,
    expiry: dt.timedelta = DEFAULT_EXPIRY,
    directory: Path | None = None,
) -> Iterator[LockHandle]:
    """Hold ``domain``'s write lock for the block::

    with domain_lock("warehouse", writer="demo-sync") as lock:
        ...
        lock.refresh()  # in long loops
    """
    handle = acquire(domain, writer=writer, wait=wait, expiry=expiry, directory=directory)
    try:
        yield handle
    finally:
        handle.release()


def force_unlock(domain: str, *, directory: Path | None = None) -> LockInfo | None:
    """Remove ``domain``'s lock. Refuses (LockBusy) while its holder is alive; returns what was removed.

    A holder on another host cannot be checked: its lock is only removed once it has expired.
    """
    path, guard_path = _paths(domain, directory)
    with _guard(guard_path):
        info = _read(path)
        if info is None:
            return None
        if info == "unreadable":
            path.unlink()
            return None
        assert isinstance(info, LockInfo)
        alive = holder_alive(info)
        expired = _now() >= info.expires_at
        if alive is True and not expired:
            raise LockBusy(domain, info, f"Refusing to unlock '{domain}': its holder is alive ({info.describe()}).")
        if alive is None and not expired:
            message = f"Refusing to unlock '{domain}': held from another host until it expires ({info.describe()})."
            raise LockBusy(domain, info, message)
        path.unlink()
        logger.warning("Force-unlocked '%s': %s.", domain, info.describe())
        return info
