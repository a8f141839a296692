"""The real demo generator through the real publish path (skips until warehouse.sources.demo is merged)."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from django.core.management import call_command

from warehouse import readers, storage
from warehouse.datasets import DATASETS
from warehouse.selectors import dataset_summaries, planted_truth

demo = pytest.importorskip("warehouse.sources.demo", reason="the demo generator is not on this branch yet")


@pytest.mark.slow
@pytest.mark.django_db  # the sync is recorded as a job
def test_a_small_demo_syncs_validates_and_reads_point_in_time(wh) -> None:
    out = io.StringIO()
    call_command("warehouse_sync", "--source", "demo", "--stocks", "80", "--years", "2", "--seed", "5", stdout=out,
                 stderr=io.StringIO())  # fmt: skip
    assert "Published 9 datasets" in out.getvalue()
    summaries = {s.dataset: s for s in dataset_summaries()}
    assert set(summaries) == set(DATASETS) and all(s.validated for s in summaries.values())
    daily = storage.load_manifest("crsp_daily", 1)
    end = dt.date.fromisoformat(daily.date_max)
    start = dt.date.fromisoformat(daily.date_min)
    members = readers.universe(end)
    assert 0 < members.height <= 80 + 20  # listings add names over the two years
    assert set(members["shrcd"].unique()) <= {10, 11} and set(members["exchcd"].unique()) <= {1, 2, 3}
    panel = readers.total_returns(start, end).collect()
    assert panel.height == daily.rows
    applied = panel.filter(pl.col("dlret").is_not_null())
    delist = readers.read_dataset("crsp_delist")
    assert delist is not None
    assert 0 < applied.height <= delist.height
    funda = readers.fundamentals_asof(end, by="permno")
    assert funda.height > 0 and (funda["known_date"] <= end).all()
    assert planted_truth("factor_returns").height > 0
