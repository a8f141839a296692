"""Run a checked query on a locked-down DuckDB connection to ``catalog.duckdb``.

The catalog is attached read-only, the connection may read files only under the warehouse directory (the catalog's views
read its Parquet files), cannot load or install extensions, and has its configuration locked after
the memory and thread limits are set. A timer interrupts the query at the time limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import polars as pl
from django.conf import settings

from warehouse import storage


class QueryFailed(RuntimeError):
    """DuckDB refused or could not finish the query (error text, or the time limit)."""


@dataclass(frozen=True)
class Limits:
    memory: str
    threads: int
    seconds: float

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            memory=settings.EXPLORER_MEMORY_LIMIT,
            threads=settings.EXPLORER_THREADS,
            seconds=settings.EXPLORER_TIME_LIMIT_SECONDS,
        )


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def locked_connection(limits: Limits) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only catalog connection with external access off (except the warehouse's own files)."""
    path = storage.catalog_path()
    if not path.exists():
        raise QueryFailed("The warehouse has no catalog yet: run python manage.py warehouse_sync --source demo.")
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": limits.memory,
        "threads": limits.threads,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
    }
    # An in-memory database of its own with the catalog attached read-only: DuckDB refuses a second
    # connection to the same file with another configuration (the readers keep one open).
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute(f"ATTACH {_quote(str(path))} AS catalog (READ_ONLY)")
        con.execute("USE catalog")
        root = str(storage.warehouse_dir().resolve()).rstrip("/") + "/"
        # Order matters: the allowed directory is set before external access is switched off, and
        # the configuration is locked last so the query cannot SET it back.
        con.execute(f"SET allowed_directories = [{_quote(root)}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        yield con
    finally:
        con.close()


@contextmanager
def time_limit(con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[threading.Event]:
    """Interrupt ``con`` after ``seconds``; the event tells whether the timer fired."""
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


@dataclass(frozen=True)
class Page:
    """One page of a query's result: ``rows`` (at most ``size``), whether a next page exists."""

    frame: pl.DataFrame
    number: int
    size: int
    has_next: bool
    elapsed_ms: float

    @property
    def first_row(self) -> int:
        return (self.number - 1) * self.size + 1

    @property
    def last_row(self) -> int:
        return self.first_row + self.frame.height - 1


def run_page(sql: str, *, page: int, size: int, max_rows: int, limits: Limits) -> Page:
    """Rows ``(page-1)*size+1 ..`` of ``sql`` (one more is fetched to know if a next page exists),
    never past ``max_rows``. Raises :class:`QueryFailed` with DuckDB's message or the time limit."""
    offset = (page - 1) * size
    if offset >= max_rows:
        raise QueryFailed(f"Pages stop at row {max_rows:,}; narrow the query or export it.")
    take = min(size, max_rows - offset)
    wrapped = f"SELECT * FROM ({sql}) AS explorer_query LIMIT {int(take) + 1} OFFSET {int(offset)}"
    started = time.perf_counter()
    with locked_connection(limits) as con, time_limit(con, limits.seconds) as fired:
        try:
            frame = con.sql(wrapped).pl()
        except duckdb.InterruptException:
            raise QueryFailed(f"Stopped at the time limit of {limits.seconds:g} s.") from None
        except duckdb.Error as exc:
            if fired.is_set():
                raise QueryFailed(f"Stopped at the time limit of {limits.seconds:g} s.") from None
            raise QueryFailed(str(exc).splitlines()[0]) from None
    elapsed = (time.perf_counter() - started) * 1000
    has_next = frame.height > take and offset + take < max_rows
    return Page(frame=frame.head(take), number=page, size=size, has_next=has_next, elapsed_ms=elapsed)
