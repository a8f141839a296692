"""The Warehouse health card."""

from __future__ import annotations

from warehouse.health import warehouse_check
from warehouse.publish import publish_dataset


def test_empty_warehouse_warns_with_the_command(wh) -> None:
    result = warehouse_check()
    assert result.status == "warn" and "warehouse_sync --source demo" in result.summary


def test_partial_then_complete_warehouse(wh, frames) -> None:
    publish_dataset("crsp_daily", frames["crsp_daily"], source="t", query_hash="h", writer="t")
    partial = warehouse_check()
    assert partial.status == "warn" and "not published: crsp_monthly" in partial.summary
    assert partial.details["crsp_daily"] == "v1 (324 rows)"
    for name, frame in frames.items():
        if name != "crsp_daily":
            publish_dataset(name, frame, source="t", query_hash="h", writer="t")
    done = warehouse_check()
    assert (done.status, done.summary) == ("ok", "9 datasets, data to 2020-02-28")
