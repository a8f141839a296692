"""Universe rules and the benchmark series, by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from backtests.analytics.prepare import cap_weighted_benchmark, date_ordered, top_cap_universe


def test_top_cap_universe_and_cap_weighted_benchmark_by_hand() -> None:
    d1, d2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)
    caps = pl.DataFrame(
        {"date": [d1] * 3 + [d2] * 3, "permno": [1, 2, 3] * 2, "mktcap": [3.0, 1.0, 2.0, 1.0, 5.0, 2.0]}
    )
    uni = top_cap_universe(caps, 2).sort("date", "permno")
    assert uni.rows() == [(d1, 1), (d1, 3), (d2, 2), (d2, 3)]
    rets = pl.DataFrame({"date": [d1] * 3 + [d2] * 3, "permno": [1, 2, 3] * 2, "ret": [0.0, 0.0, 0.0, 0.1, -0.2, 0.05]})
    bench = cap_weighted_benchmark(rets, caps)
    # d2 weights are d1 caps 3:1:2 -> (3*0.1 + 1*-0.2 + 2*0.05) / 6
    assert bench.rows() == [(d2, pytest.approx((0.3 - 0.2 + 0.1) / 6))]
    ew = cap_weighted_benchmark(rets, None).sort("date")
    assert ew["return"].to_list() == pytest.approx([0.0, (0.1 - 0.2 + 0.05) / 3])


def test_the_benchmark_does_not_depend_on_row_order() -> None:
    d1, d2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)
    caps = pl.DataFrame({"date": [d1, d1, d2, d2], "permno": [1, 2, 1, 2], "mktcap": [3.0, 1.0, 4.0, 2.0]})
    rets = pl.DataFrame({"date": [d1, d1, d2, d2], "permno": [1, 2, 1, 2], "ret": [0.0, 0.0, 0.1, -0.2]})
    by_permno = [f.sort("permno", "date") for f in (rets, caps)]
    assert not date_ordered(by_permno[0]).equals(by_permno[0])  # it re-sorts only when needed
    assert cap_weighted_benchmark(*by_permno).rows() == cap_weighted_benchmark(rets, caps).rows()
    assert cap_weighted_benchmark(rets, caps).rows() == [(d2, pytest.approx((3 * 0.1 - 1 * 0.2) / 4))]
