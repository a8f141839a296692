"""total_returns' delisting path (warehouse.readers.delistings) against an independent pandas
implementation of the CRSP convention, on a random panel with gaps, delistings on non-trading
days, before the range, after the data and in the next year's file; and the join fallback for
permnos spread too widely for the dense lookup gives the same rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from quant import calendars
from warehouse import readers
from warehouse.readers import delistings

from .conftest import _fill, make_delist, make_names
from .test_readers import _publish

D = dt.date
DAYS = calendars.sessions(D(2019, 11, 1), D(2020, 2, 28)).to_list()
COLUMNS = ["permno", "date", "ret", "dlret", "total_ret", "dlret_imputed"]


def _random_warehouse(seed: int, permno_base: int = 10000, spread: int = 37) -> None:
    rng = np.random.default_rng(seed)
    permnos = [permno_base + spread * i for i in range(40)]
    rows = [(p, d) for p in permnos for d in DAYS if rng.random() > 0.15]  # gaps: days a stock did not trade
    permno, date = zip(*rows, strict=True)
    ret = [None if rng.random() < 0.05 else float(rng.normal(0, 0.02)) for _ in rows]
    n = len(rows)
    _publish("crsp_daily", _fill({"permno": permno, "date": date, "ret": ret, "retx": ret, "prc": [10.0] * n},
                                 "crsp_daily", n))  # fmt: skip
    _publish("crsp_names", make_names([(p, D(2010, 1, 4), None, f"T{i}", 11, 1 + i % 3)
                                       for i, p in enumerate(permnos)]))  # fmt: skip
    codes = [520, 551, 231, 560, 100, 584]
    delist = []
    for i, p in enumerate(permnos[:30]):
        when = DAYS[int(rng.integers(0, len(DAYS)))] + dt.timedelta(days=int(rng.integers(0, 4)))  # weekends too
        if i == 0:
            when = D(2021, 6, 30)  # after the data: the last row of the panel
        dlret = None if rng.random() < 0.4 else float(rng.normal(-0.1, 0.2))
        delist.append((p, when, codes[i % len(codes)], dlret))
    _publish("crsp_delist", make_delist(delist))


def _pandas_total_returns(start_day: dt.date, end_day: dt.date, permnos: list[int] | None) -> pl.DataFrame:
    """The convention, written independently: merge every daily row of a delisted permno up to the
    delisting date, take the last, impute Shumway's values, left-merge into the panel."""
    daily = readers.read_dataset("crsp_daily").to_pandas()[["permno", "date", "ret"]]  # type: ignore[union-attr]
    delist = readers.read_dataset("crsp_delist").to_pandas()  # type: ignore[union-attr]
    names = readers.read_dataset("crsp_names").to_pandas()[["permno", "namedt", "exchcd"]]  # type: ignore[union-attr]
    first, start, end = pd.Timestamp(start_day.year, 1, 1), pd.Timestamp(start_day), pd.Timestamp(end_day)
    delist = delist[delist["dlstdt"] >= start]
    if permnos is not None:
        delist = delist[delist["permno"].isin(permnos)]
    cand = daily[daily["date"] >= first].merge(delist, on="permno")
    cand = cand[cand["date"] <= cand["dlstdt"]]
    last = cand.sort_values("date").groupby("permno").tail(1)
    last = last[(last["date"] >= start) & (last["date"] <= end)]
    last = pd.merge_asof(last.sort_values("date"), names.sort_values("namedt"), left_on="date", right_on="namedt",
                         by="permno")  # fmt: skip
    perf = last["dlstcd"].isin(readers.PERFORMANCE_DELIST_CODES) & last["dlret"].isna()
    nyse, nasdaq = perf & last["exchcd"].isin([1, 2]), perf & (last["exchcd"] == 3)
    last.loc[nyse, "dlret"] = readers.MISSING_DLRET_NYSE_AMEX
    last.loc[nasdaq, "dlret"] = readers.MISSING_DLRET_NASDAQ
    last["dlret_imputed"] = nyse | nasdaq
    panel = daily[(daily["date"] >= start) & (daily["date"] <= end)]
    if permnos is not None:
        panel = panel[panel["permno"].isin(permnos)]
    out = panel.merge(last[["permno", "date", "dlret", "dlret_imputed"]], on=["permno", "date"], how="left")
    out["dlret_imputed"] = out["dlret_imputed"].eq(True)
    out["total_ret"] = np.where(out["dlret"].isna(), out["ret"], (1 + out["ret"].fillna(0)) * (1 + out["dlret"]) - 1)
    return pl.from_pandas(out[COLUMNS]).with_columns(pl.col("date").cast(pl.Date)).sort("permno", "date")


CASES = [
    (D(2019, 11, 1), D(2020, 2, 28), None),
    (D(2019, 12, 10), D(2020, 1, 20), None),
    (D(2020, 1, 2), D(2020, 2, 28), [10000 + 37 * i for i in (0, 3, 5, 8, 33)]),
]


def test_permnos_without_any_delisting_keep_their_returns(wh) -> None:
    _random_warehouse(4)
    permnos = [10000 + 37 * i for i in (31, 35)]  # only the first 30 permnos delist
    got = readers.total_returns(D(2019, 11, 1), D(2020, 2, 28), permnos=permnos).collect().sort("permno", "date")
    assert got.height > 100 and got["dlret"].null_count() == got.height and not got["dlret_imputed"].any()
    assert_frame_equal(got.select(COLUMNS), _pandas_total_returns(D(2019, 11, 1), D(2020, 2, 28), permnos),
                       check_dtypes=False)  # fmt: skip


@pytest.mark.parametrize(("start", "end", "permnos"), CASES)
@pytest.mark.parametrize("seed", [1, 2])
def test_total_returns_match_an_independent_pandas_implementation(wh, seed, start, end, permnos) -> None:
    _random_warehouse(seed)
    got = readers.total_returns(start, end, permnos=permnos).collect().sort("permno", "date")
    expected = _pandas_total_returns(start, end, permnos)
    assert got.height == expected.height > 0
    assert got["dlret"].is_not_null().sum() >= (3 if permnos is None else 1)  # events are really applied
    assert_frame_equal(got.select(COLUMNS), expected, check_dtypes=False)


def test_the_join_fallback_for_wide_permno_ranges_gives_the_same_rows(wh, monkeypatch) -> None:
    _random_warehouse(3)
    fast = readers.total_returns(D(2019, 11, 1), D(2020, 2, 28)).collect().sort("permno", "date")
    monkeypatch.setattr(delistings, "MAX_LOOKUP", 100)  # 40 permnos 37 apart: now too wide
    assert delistings._lookup(pl.Series([10000, 10000 + 37 * 39])) is None
    slow = readers.total_returns(D(2019, 11, 1), D(2020, 2, 28)).collect().sort("permno", "date")
    assert_frame_equal(fast, slow)
    assert_frame_equal(slow.select(COLUMNS), _pandas_total_returns(D(2019, 11, 1), D(2020, 2, 28), None),
                       check_dtypes=False)  # fmt: skip
