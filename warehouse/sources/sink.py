"""The narrow seam between source syncs and warehouse storage.

Syncs never write warehouse files themselves: they hand a validated polars frame to a `Sink`, which
publishes a new dataset version (``warehouse.publish.publish_dataset``: validated, versioned, atomic,
under the ``warehouse`` lock) and reads the current version back for incremental syncs.
`default_publisher()` returns the real storage (`WarehouseSink`) unless ``settings.WAREHOUSE_SINK`` names
another factory (tests of the source logic alone use an in-test Parquet sink).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import polars as pl
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from warehouse.publish import publish_dataset
from warehouse.readers import read_dataset


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


class WarehouseSink:
    """`Sink` over the real storage: `warehouse.publish.publish_dataset` and `warehouse.readers.read_dataset`.

    The version identifier is the warehouse's version number as a string ("3"): readers accept it as
    ``version=``. The publish takes the ``warehouse`` lock and validates; `ValidationFailed` (the
    frame is quarantined, the live version untouched) and `quant.locks.LockBusy` propagate.
    """

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
        result = publish_dataset(
            dataset, frame, source=source, query_hash=query_hash, writer=writer, expected_rows=expected_rows
        )
        return str(result.version)

    def read_current(self, dataset: str) -> pl.DataFrame | None:
        return read_dataset(dataset)


def default_publisher() -> Sink:
    """The sink used by commands and tasks: ``settings.WAREHOUSE_SINK`` (a factory's dotted path) if set,
    else `WarehouseSink` (the real warehouse)."""
    factory_path = getattr(settings, "WAREHOUSE_SINK", "")
    if not factory_path:
        return WarehouseSink()
    sink = import_string(factory_path)()
    if not isinstance(sink, Sink):
        raise ImproperlyConfigured(f"WAREHOUSE_SINK={factory_path!r} did not return a Sink.")
    return sink
