"""The sink seam between syncs and the warehouse storage layer."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support.parquet_sink import ParquetSink
from warehouse import storage
from warehouse.publish import ValidationFailed
from warehouse.readers import read_dataset
from warehouse.sources.sink import Sink, WarehouseSink, default_publisher


def test_default_publisher_is_the_real_warehouse(settings) -> None:
    settings.WAREHOUSE_SINK = ""
    assert isinstance(default_publisher(), WarehouseSink)


def test_default_publisher_uses_the_configured_factory(settings, tmp_path) -> None:
    settings.WAREHOUSE_SINK = "tests.support.parquet_sink.factory"
    settings.WAREHOUSE_DIR = tmp_path
    sink = default_publisher()
    assert isinstance(sink, ParquetSink) and isinstance(sink, Sink)
    settings.WAREHOUSE_SINK = "builtins.dict"
    with pytest.raises(ImproperlyConfigured, match="did not return a Sink"):
        default_publisher()


def test_warehouse_sink_publishes_versions_and_reads_the_current_one_back_sorted(wh, frames) -> None:
    sink = WarehouseSink()
    assert isinstance(sink, Sink) and sink.read_current("crsp_daily") is None
    daily = frames["crsp_daily"]
    shuffled = daily.sample(fraction=1.0, shuffle=True, seed=3)
    assert sink.publish("crsp_daily", shuffled, source="wrds", query_hash="h" * 64, writer="t",
                        expected_rows=daily.height) == "1"  # fmt: skip
    assert sink.read_current("crsp_daily").equals(daily.sort("permno", "date"))
    manifest = storage.load_manifest("crsp_daily", 1)
    assert (manifest.source, manifest.source_query_hash, manifest.rows) == ("wrds", "h" * 64, daily.height)
    revised = daily.with_columns(ret=pl.when(pl.col("date") == dt.date(2020, 1, 2)).then(0.25).otherwise("ret"))
    assert sink.publish("crsp_daily", revised, source="wrds", query_hash="h" * 64, writer="t",
                        expected_rows=None) == "2"  # fmt: skip
    assert sink.read_current("crsp_daily").filter(pl.col("date") == dt.date(2020, 1, 2))["ret"].unique().to_list() \
        == [0.25]  # fmt: skip
    assert read_dataset("crsp_daily", version="1").equals(daily.sort("permno", "date"))


def test_read_dataset_of_an_empty_version_is_an_empty_frame_of_the_contract(wh, frames) -> None:
    sink = WarehouseSink()
    delist = frames["crsp_delist"]
    assert delist.height == 0
    sink.publish("crsp_delist", delist, source="wrds", query_hash="q", writer="t", expected_rows=0)
    empty = read_dataset("crsp_delist")
    assert empty.height == 0 and empty.schema == delist.schema


def test_a_rejected_frame_leaves_the_live_version_current(wh, frames) -> None:
    sink = WarehouseSink()
    names = frames["crsp_names"]
    sink.publish("crsp_names", names, source="wrds", query_hash="q", writer="t", expected_rows=names.height)
    with pytest.raises(ValidationFailed, match="duplicate_keys"):
        sink.publish("crsp_names", pl.concat([names, names.head(1)]), source="wrds", query_hash="q", writer="t",
                     expected_rows=None)  # fmt: skip
    assert storage.current_version("crsp_names") == 1 and read_dataset("crsp_names").equals(
        names.sort("permno", "namedt")
    )
    assert read_dataset("crsp_names", version=1).height == names.height
