"""``manage.py event_study`` over users' own files: the JSON equals the analytics on the same data."""

from __future__ import annotations

import json
from io import StringIO

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from research.analytics.events import Windows, abnormal_returns, event_tests
from tests.research.analytics.test_events import _world


def _files(tmp_path, effect=0.02):  # noqa: ANN001, ANN202
    factors, returns, events = _world(21, effect=effect)
    paths = {k: tmp_path / f"{k}.csv" for k in ("events", "returns", "market")}
    events.select("permno", pl.col("event_date").alias("date")).write_csv(paths["events"])
    returns.write_csv(paths["returns"])
    factors.write_csv(paths["market"])
    return paths, factors, returns, events


@pytest.mark.parametrize("model", ["market", "ff3", "market_adj"])
def test_json_matches_the_analytics(tmp_path, model):
    paths, factors, returns, events = _files(tmp_path)
    out = StringIO()
    call_command("event_study", str(paths["events"]), "--model", model, "--estimation", "-250,-30",
                 "--window", "-1,1", "--returns", str(paths["returns"]), "--market", str(paths["market"]),
                 "--format", "json", stdout=out)  # fmt: skip
    report = json.loads(out.getvalue())
    ars = abnormal_returns(events, returns, factors, model=model, windows=Windows(-250, -30, -1, 1))
    assert report["n_events"] == ars.ar.shape[0] == 40
    assert report["car"]["mean"] == pytest.approx(ars.ar.sum(axis=1).mean(), rel=1e-12)
    assert report["path"][-1]["caar"] == pytest.approx(report["car"]["mean"], rel=1e-12)
    for got, want in zip(report["tests"], event_tests(ars), strict=True):
        assert got["statistic"] == pytest.approx(want.statistic, rel=1e-12)
    assert report["source"] == "files" and report["estimation"] == [-250, -30] and report["window"] == [-1, 1]


def test_table_output_and_bad_windows(tmp_path):
    paths, *_ = _files(tmp_path)
    out = StringIO()
    call_command("event_study", str(paths["events"]), "--returns", str(paths["returns"]), "--market",
                 str(paths["market"]), stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "market model, estimation [-250, -30], window [-1, 1] sessions, 40 events" in text
    assert "Patell Z" in text and "calendar-time alpha" in text
    with pytest.raises(CommandError, match="--window must be two integers") as info:
        call_command("event_study", str(paths["events"]), "--window", "a,b")
    assert info.value.returncode == 2
