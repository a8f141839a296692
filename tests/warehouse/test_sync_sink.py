"""The sink seam between syncs and the warehouse storage layer."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support.parquet_sink import ParquetSink
from warehouse.sources.sink import Sink, StorageMissing, WarehouseSink, default_publisher


@dataclass(frozen=True)
class FakeResult:  # the shape of warehouse.publish.PublishResult that the sink reads
    version: str


def test_default_publisher_names_what_is_missing_without_the_storage_layer(settings) -> None:
    settings.WAREHOUSE_SINK = ""
    try:
        import warehouse.publish  # noqa: F401
    except ImportError:
        with pytest.raises(StorageMissing, match="warehouse.publish.publish_dataset is not available"):
            default_publisher()
    else:
        assert isinstance(default_publisher(), WarehouseSink)


def test_default_publisher_uses_the_configured_factory(settings, tmp_path) -> None:
    settings.WAREHOUSE_SINK = "tests.support.parquet_sink.factory"
    settings.WAREHOUSE_DIR = tmp_path
    sink = default_publisher()
    assert isinstance(sink, ParquetSink) and isinstance(sink, Sink)
    settings.WAREHOUSE_SINK = "builtins.dict"
    with pytest.raises(ImproperlyConfigured, match="did not return a Sink"):
        default_publisher()


def test_warehouse_sink_passes_the_contract_arguments_and_reads_lazy_frames() -> None:
    calls: list[tuple] = []

    def publish_dataset(dataset, frame, *, source, query_hash, writer, expected_rows):
        calls.append((dataset, frame.height, source, query_hash, writer, expected_rows))
        return FakeResult(version="2026-11-24T05-00-00Z-abc123")

    stored = pl.DataFrame({"permno": [1, 2], "date": [None, None]})
    sink = WarehouseSink(publish_fn=publish_dataset, read_fn=lambda dataset: stored.lazy())
    version = sink.publish("crsp_names", stored, source="wrds", query_hash="h" * 64, writer="w", expected_rows=2)
    assert version == "2026-11-24T05-00-00Z-abc123"
    assert calls == [("crsp_names", 2, "wrds", "h" * 64, "w", 2)]
    assert sink.read_current("crsp_names").equals(stored)
    assert WarehouseSink(publish_fn=publish_dataset, read_fn=lambda dataset: None).read_current("x") is None
