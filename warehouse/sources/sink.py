"""The narrow seam between source syncs and warehouse storage.

Syncs never write warehouse files themselves: they hand a validated polars frame to a `Sink`, which
publishes a new dataset version (``warehouse.publish.publish_dataset``: validated, versioned, atomic,
under the ``warehouse`` lock) and reads the current version back for incremental syncs.
`default_publisher()` binds the real storage layer lazily so this module imports without it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import polars as pl
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@runtime_checkable
class Publisher(Protocol):
    """Publishes one dataset version; returns the version identifier."""

    def publish(
        self,
        dataset: str,
        frame: pl.DataFrame,
        *,
        source: str,
        query_hash: str,
        writer: str,
        expected_rows: int | None,
    ) -> str: ...


@runtime_checkable
class Sink(Publisher, Protocol):
    """A publisher that can also read back the current version of a dataset (None if never published)."""

    def read_current(self, dataset: str) -> pl.DataFrame | None: ...


class StorageMissing(ImproperlyConfigured):
    """The warehouse storage layer (``warehouse.publish`` / ``warehouse.readers``) is not installed."""


def _import(module: str, attribute: str) -> Any:
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise StorageMissing(
            f"{module}.{attribute} is not available ({exc}). The source syncs publish through the warehouse "
            "storage layer; install it (merge the warehouse storage branch) or set WAREHOUSE_SINK to the dotted "
            "path of a factory returning a warehouse.sources.sink.Sink."
        ) from exc


class WarehouseSink:
    """Binds `Sink` to ``warehouse.publish.publish_dataset`` and ``warehouse.readers``."""

    def __init__(
        self,
        publish_fn: Callable[..., Any] | None = None,
        read_fn: Callable[[str], pl.DataFrame | pl.LazyFrame | None] | None = None,
    ) -> None:
        self._publish_fn = publish_fn
        self._read_fn = read_fn

    def publish(
        self,
        dataset: str,
        frame: pl.DataFrame,
        *,
        source: str,
        query_hash: str,
        writer: str,
        expected_rows: int | None,
    ) -> str:
        publish = self._publish_fn or _import("warehouse.publish", "publish_dataset")
        result = publish(
            dataset, frame, source=source, query_hash=query_hash, writer=writer, expected_rows=expected_rows
        )
        return str(getattr(result, "version", result))

    def read_current(self, dataset: str) -> pl.DataFrame | None:
        read = self._read_fn or _import("warehouse.readers", "read_dataset")
        current = read(dataset)
        if current is None:
            return None
        return current.collect() if isinstance(current, pl.LazyFrame) else current


def default_publisher() -> Sink:
    """The sink used by commands and tasks: ``settings.WAREHOUSE_SINK`` (a factory's dotted path) if set,
    else the real warehouse storage layer (raises `StorageMissing` with a clear message if absent)."""
    factory_path = getattr(settings, "WAREHOUSE_SINK", "")
    if factory_path:
        sink = import_string(factory_path)()
        if not isinstance(sink, Sink):
            raise ImproperlyConfigured(f"WAREHOUSE_SINK={factory_path!r} did not return a Sink.")
        return sink
    sink = WarehouseSink()
    _import("warehouse.publish", "publish_dataset")  # fail early, with the message, when storage is missing
    return sink
