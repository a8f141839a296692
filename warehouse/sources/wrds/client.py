"""A non-interactive, pooled, rate-limited wrapper around the `wrds` package's Connection.

``wrds.Connection`` falls back to the public WRDS host and then *prompts* for a username and password
when a connection fails. A server process must never prompt, so `WrdsClient` subclasses it and
replaces ``connect`` with a single attempt against the configured host: on failure it raises
`WrdsConnectionError` naming the settings to fix. Credentials come from Django settings or the
environment (``WRDS_USERNAME``, ``WRDS_PASSWORD``) or libpq's ``~/.pgpass`` / ``PGPASSFILE``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import wrds
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from warehouse.sources.limits import RateLimiter, RetryPolicy, with_retries

logger = logging.getLogger("quantdesk.sources.wrds")

DEFAULT_HOST = "wrds-pgdata.wharton.upenn.edu"
DEFAULT_PORT = 9737
DEFAULT_DBNAME = "wrds"


class WrdsConnectionError(ImproperlyConfigured):
    """WRDS could not be reached or refused the credentials; the message says what to set."""


def _setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None or value == "":
        value = os.environ.get(name, default)
    return str(value)


@dataclass(frozen=True)
class WrdsConfig:
    """Where and how to connect. ``password`` may be empty when libpq finds it in a .pgpass file."""

    username: str
    password: str = field(default="", repr=False)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    dbname: str = DEFAULT_DBNAME
    sslmode: str = "require"
    queries_per_minute: int = 60
    retry: RetryPolicy = RetryPolicy()

    @classmethod
    def from_settings(cls) -> WrdsConfig:
        """Read ``WRDS_*`` from Django settings, falling back to the process environment."""
        try:
            port = int(_setting("WRDS_PORT", str(DEFAULT_PORT)))
            cap = int(_setting("WRDS_QUERIES_PER_MINUTE", "60"))
            retries = int(_setting("WRDS_MAX_RETRIES", "4"))
        except ValueError as exc:
            raise ImproperlyConfigured(f"WRDS_PORT / WRDS_QUERIES_PER_MINUTE / WRDS_MAX_RETRIES: {exc}") from exc
        return cls(
            username=_setting("WRDS_USERNAME"),
            password=_setting("WRDS_PASSWORD"),
            host=_setting("WRDS_HOST", DEFAULT_HOST),
            port=port,
            dbname=_setting("WRDS_DBNAME", DEFAULT_DBNAME),
            sslmode=_setting("WRDS_SSLMODE", "require"),
            queries_per_minute=cap,
            retry=RetryPolicy(retries=retries),
        )

    def pgpass_path(self) -> Path:
        return Path(os.environ.get("PGPASSFILE") or Path.home() / ".pgpass")

    def has_pgpass_entry(self) -> bool:
        """True when the libpq password file has a line matching host, port, database and user."""
        path = self.pgpass_path()
        if not path.is_file():
            return False
        wanted = (self.host, str(self.port), self.dbname, self.username)
        for line in path.read_text().splitlines():
            parts = line.split(":")
            matches = len(parts) >= 5 and all(p in ("*", w) for p, w in zip(parts[:4], wanted, strict=True))
            if matches and not line.startswith("#"):
                return True
        return False

    def check(self) -> None:
        """Fail before connecting when no username is configured (the wrds package would prompt)."""
        if not self.username:
            raise WrdsConnectionError(
                "WRDS_USERNAME is not set. Set WRDS_USERNAME (and WRDS_PASSWORD, or add "
                f"'{self.host}:{self.port}:{self.dbname}:<user>:<password>' to ~/.pgpass or PGPASSFILE)."
            )
        if not self.password and not self.has_pgpass_entry() and self.host == DEFAULT_HOST:
            raise WrdsConnectionError(
                f"No WRDS password for {self.username}: set WRDS_PASSWORD or add "
                f"'{self.host}:{self.port}:{self.dbname}:{self.username}:<password>' to {self.pgpass_path()} "
                "(chmod 600)."
            )


class _NonInteractiveConnection(wrds.Connection):
    """``wrds.Connection`` with one connection attempt and no prompts, ever."""

    def connect(self) -> None:
        try:
            self._Connection__make_sa_engine_conn(raise_err=True)
        except Exception as exc:
            raise WrdsConnectionError(
                f"Could not connect to WRDS as {self._username!r} at {self._hostname}:{self._port}/{self._dbname}: "
                f"{str(exc).splitlines()[0]}. Check WRDS_USERNAME, WRDS_PASSWORD (or ~/.pgpass / PGPASSFILE), "
                "WRDS_HOST, WRDS_PORT, WRDS_DBNAME and WRDS_SSLMODE."
            ) from exc

    def _Connection__get_user_credentials(self) -> tuple[str, str]:  # never prompt (stdin may be a daemon's)
        raise WrdsConnectionError("WRDS credentials are missing: set WRDS_USERNAME and WRDS_PASSWORD or ~/.pgpass.")


class WrdsClient:
    """One reusable WRDS connection with a per-minute query cap and retries on transient errors."""

    def __init__(self, config: WrdsConfig, *, limiter: RateLimiter | None = None) -> None:
        config.check()
        self.config = config
        self.limiter = limiter or RateLimiter(config.queries_per_minute)
        self.queries = 0
        self._conn: _NonInteractiveConnection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> _NonInteractiveConnection:
        c = self.config
        conn = _NonInteractiveConnection(
            autoconnect=False,
            wrds_hostname=c.host,
            wrds_port=c.port,
            wrds_dbname=c.dbname,
            wrds_username=c.username,
            wrds_password=c.password,
            wrds_connect_args={"sslmode": c.sslmode, "application_name": "quantdesk"},
        )
        conn.connect()
        logger.info("Connected to WRDS at %s:%s/%s as %s.", c.host, c.port, c.dbname, c.username)
        return conn

    @property
    def connection(self) -> _NonInteractiveConnection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def reconnect(self, _exc: BaseException | None = None) -> None:
        self.close()
        self._conn = self._connect()

    def close(self) -> None:
        if self._conn is not None and getattr(self._conn, "engine", None) is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def raw_sql(
        self, sql: str, *, params: dict[str, Any] | None = None, date_cols: list[str] | None = None
    ) -> pd.DataFrame:
        """Run one query (rate-limited, retried); pandas nullable dtypes as ``wrds`` returns them."""

        def run() -> pd.DataFrame:
            self.limiter.acquire()
            self.queries += 1
            with contextlib.redirect_stdout(io.StringIO()):
                return self.connection.raw_sql(sql, params=params, date_cols=date_cols, chunksize=None)

        with self._lock:
            return with_retries(run, self.config.retry, on_retry=self.reconnect)


_POOL: dict[WrdsConfig, WrdsClient] = {}
_POOL_LOCK = threading.Lock()


def get_client(config: WrdsConfig | None = None) -> WrdsClient:
    """The process-wide client for ``config`` (default: from settings), connected lazily and reused."""
    config = config or WrdsConfig.from_settings()
    with _POOL_LOCK:
        client = _POOL.get(config)
        if client is None:
            client = _POOL[config] = WrdsClient(config)
        return client


def close_all() -> None:
    with _POOL_LOCK:
        for client in _POOL.values():
            client.close()
        _POOL.clear()
