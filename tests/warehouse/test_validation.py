"""One test per validation rule: the bad frame is quarantined with its report and the old version stays live."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import polars as pl
import pytest

from warehouse import storage
from warehouse.publish import ValidationFailed, publish_dataset

from .conftest import make_delist

Mutator = Callable[[pl.DataFrame], pl.DataFrame]


def _set(frame: pl.DataFrame, column: str, rows: list[int], value: object) -> pl.DataFrame:
    idx = pl.int_range(pl.len())
    return frame.with_columns(pl.when(idx.is_in(rows)).then(pl.lit(value)).otherwise(pl.col(column)).alias(column))


SATURDAY = dt.date(2020, 1, 4)

CASES: dict[str, tuple[Mutator, str, int, dict]] = {
    "extra column": (lambda f: f.with_columns(foo=pl.lit(1)), "columns", 1, {}),
    "wrong dtype": (lambda f: f.with_columns(pl.col("permno").cast(pl.Float64)), "dtype:permno", 1, {}),
    "null key": (lambda f: _set(f, "permno", [3, 4], None), "not_null:permno", 2, {}),
    "return below -100%": (lambda f: _set(f, "ret", [5, 6], -1.5), "return_gt_minus_one:ret", 2, {}),
    "retx of exactly -1": (lambda f: _set(f, "retx", [7], -1.0), "return_gt_minus_one:retx", 1, {}),
    "zero price": (lambda f: _set(f, "prc", [1, 2, 3], 0.0), "price_nonzero:prc", 3, {}),
    "weekend date": (
        lambda f: _set(f, "date", [10], SATURDAY).filter(pl.struct("permno", "date").is_first_distinct()),
        "trading_calendar:date",
        1,
        {},
    ),
    "duplicate key": (lambda f: pl.concat([f, f.head(2)]), "duplicate_keys", 4, {}),
    "unexpected row count": (lambda f: f, "expected_rows", 5, {"expected_rows": 4 * 81 + 5}),
    "null-rate spike": (lambda f: _set(f, "vol", list(range(0, 324, 4)), None), "null_rate_spike", 81, {}),
    "row-count drop": (lambda f: f.filter(pl.col("permno") <= 10002), "row_count_drop", 162, {}),
    "missing session": (lambda f: f.filter(pl.col("date") != dt.date(2020, 1, 15)), "date_gaps", 1, {}),
}


def _publish(name: str, frame: pl.DataFrame, **kw):
    return publish_dataset(name, frame, source="test", query_hash="h", writer="test", **kw)


@pytest.mark.parametrize("case", list(CASES))
def test_each_rule_quarantines_and_keeps_the_old_version(wh, frames, case: str) -> None:
    mutate, rule, count, kwargs = CASES[case]
    _publish("crsp_daily", frames["crsp_daily"])
    before = storage.load_manifest("crsp_daily", 1)
    with pytest.raises(ValidationFailed) as excinfo:
        _publish("crsp_daily", mutate(frames["crsp_daily"]), **kwargs)
    failed = {r.rule: r for r in excinfo.value.report.failures}
    assert rule in failed, failed
    assert failed[rule].failing_rows == count
    assert f"{rule} ({count} rows" in str(excinfo.value)
    report = json.loads((excinfo.value.quarantine / "validation.json").read_text())
    assert report["passed"] is False and any(r["rule"] == rule and not r["passed"] for r in report["rules"])
    assert list(excinfo.value.quarantine.glob("year=*/part-*.parquet"))
    assert excinfo.value.quarantine.parent == wh / "_quarantine" / "crsp_daily"
    assert storage.current_version("crsp_daily") == 1 and storage.list_versions("crsp_daily") == [1]
    assert storage.load_manifest("crsp_daily", 1) == before


def test_a_clean_frame_passes_every_rule(wh, frames) -> None:
    _publish("crsp_daily", frames["crsp_daily"])
    result = _publish("crsp_daily", frames["crsp_daily"], expected_rows=4 * 81)
    rules = {r.rule for r in result.manifest.validation.rules}
    assert set(c[1] for c in CASES.values()) - {"return_gt_minus_one:dlret"} <= rules
    assert result.manifest.validation.passed


def test_allow_shrink_accepts_a_large_drop(wh, frames) -> None:
    _publish("crsp_daily", frames["crsp_daily"])
    result = _publish("crsp_daily", frames["crsp_daily"].filter(pl.col("permno") <= 10002), allow_shrink=True)
    assert result.version == 2 and result.rows == 162


def test_delisting_return_below_minus_one_is_rejected(wh) -> None:
    bad = make_delist([(1, dt.date(2020, 1, 2), 520, -1.2), (2, dt.date(2020, 1, 3), 520, None)])
    with pytest.raises(ValidationFailed, match=r"return_gt_minus_one:dlret \(1 rows"):
        _publish("crsp_delist", bad)
    assert storage.current_version("crsp_delist") is None
