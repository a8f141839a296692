from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from research.analytics.quantiles import (
    assign_quantiles,
    quantile_returns,
    quantile_turnover,
    rank_autocorrelation,
)

D1, D2, D3 = dt.date(2024, 5, 1), dt.date(2024, 5, 2), dt.date(2024, 5, 3)
ASSETS = [f"a{i:02d}" for i in range(1, 11)]


def _signal(date: dt.date, values: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame({"date": [date] * len(values), "asset": ASSETS[: len(values)], "value": values})


def test_buckets_are_equal_count_and_ties_share_a_bucket() -> None:
    sig = _signal(D1, [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert assign_quantiles(sig, 5)["quantile"].to_list() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # average ranks of the tie (2.5, 2.5) -> ceil(2.5 * 5 / 10) = 2 for both; ranks 1..4 of 4 values
    tied = _signal(D1, [1.0, 5, 5, 9])
    assert assign_quantiles(tied, 2)["quantile"].to_list() == [1, 2, 2, 2]


def test_dates_with_fewer_values_than_buckets_are_skipped() -> None:
    sig = pl.concat([_signal(D1, [1.0, 2, None, 4]), _signal(D2, [1.0, 2, 3, 4, 5])])
    out = assign_quantiles(sig, 5)
    assert out["date"].unique().to_list() == [D2]


def test_quantile_returns_and_long_short_are_hand_computed() -> None:
    sig = pl.concat([_signal(D1, [float(v) for v in range(1, 11)]), _signal(D2, [float(v) for v in range(10, 0, -1)])])
    fwd_values = [0.01, 0.03, 0.0, 0.02, 0.05, -0.01, 0.04, 0.02, 0.06, 0.08]
    fwd = pl.DataFrame({"date": [D1] * 10 + [D2] * 10, "asset": ASSETS * 2, "fwd_ret": fwd_values * 2})
    out = quantile_returns(sig, fwd, 5)
    d1 = out.by_date.filter(pl.col("date") == D1)["mean_ret"].to_list()
    assert d1 == pytest.approx([0.02, 0.01, 0.02, 0.03, 0.07])
    d2 = out.by_date.filter(pl.col("date") == D2)["mean_ret"].to_list()
    assert d2 == pytest.approx([0.07, 0.03, 0.02, 0.01, 0.02])
    assert out.long_short["long_short"].to_list() == pytest.approx([0.05, -0.05])
    assert out.long_short_mean == pytest.approx(0.0)
    assert out.mean["mean_ret"].to_list() == pytest.approx([0.045, 0.02, 0.02, 0.02, 0.045])


def test_top_bucket_turnover_counts_membership_changes() -> None:
    sig = pl.concat(
        [
            _signal(D1, [float(v) for v in range(1, 11)]),  # top: a09, a10
            _signal(D2, [11.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]),  # top: a10, a01 -> 1 of 2 kept
            _signal(D3, [11.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]),  # unchanged
        ]
    )
    out = quantile_turnover(sig, 5, bucket=5)
    expected = pl.DataFrame({"date": [D2, D3], "turnover": [0.5, 0.0]})
    assert_frame_equal(out, expected)
    bottom = quantile_turnover(sig, 5, bucket=1)  # D1 {a01,a02} -> D2 {a02,a03}
    assert bottom["turnover"].to_list() == [0.5, 0.0]


def test_rank_autocorrelation_is_one_for_a_persistent_signal_and_minus_one_when_reversed() -> None:
    up = [float(v) for v in range(1, 11)]
    sig = pl.concat([_signal(D1, up), _signal(D2, [v * 2 for v in up]), _signal(D3, up[::-1])])
    out = rank_autocorrelation(sig)
    assert out["date"].to_list() == [D2, D3]
    assert out["autocorr"].to_list() == pytest.approx([1.0, -1.0])


def test_rank_autocorrelation_matches_numpy_on_random_ranks() -> None:
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=10), rng.normal(size=10)
    sig = pl.concat([_signal(D1, list(a)), _signal(D2, list(b))])
    ra, rb = a.argsort().argsort(), b.argsort().argsort()
    out = rank_autocorrelation(sig)
    assert out["autocorr"][0] == pytest.approx(np.corrcoef(ra, rb)[0, 1], abs=1e-14)
