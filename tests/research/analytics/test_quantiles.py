"""Quantile (bucket) conventions, checked by hand on the tear sheet (the one quantile implementation)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from research.analytics.tearsheet import TearSheet, tear_sheet

D1, D2, D3 = dt.date(2024, 5, 1), dt.date(2024, 5, 2), dt.date(2024, 5, 3)
ASSETS = [f"a{i:02d}" for i in range(1, 11)]


def _signal(date: dt.date, values: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame({"date": [date] * len(values), "asset": ASSETS[: len(values)], "value": values})


def _sheet(signal: pl.DataFrame, fwd_values: list[float], q: int = 5) -> TearSheet:
    dates = signal["date"].unique().sort().to_list()
    fwd = pl.DataFrame(
        {
            "date": [d for d in dates for _ in fwd_values],
            "asset": ASSETS[: len(fwd_values)] * len(dates),
            "h": [1] * (len(dates) * len(fwd_values)),
            "fwd_ret": fwd_values * len(dates),
        }  # fmt: skip
    )
    return tear_sheet(signal, fwd, h=1, quantiles=q, periods_per_year=252)


def test_ties_share_a_bucket() -> None:
    # average ranks of the tie (2.5, 2.5) -> ceil(2.5 * 2 / 4) = 2 for both: bucket 1 = {a01}
    sheet = _sheet(_signal(D1, [1.0, 5, 5, 9]), [0.1, 0.2, 0.3, 0.4], q=2)
    assert sheet.quantiles["mean_ret"].to_list() == pytest.approx([0.1, 0.3])


def test_dates_with_fewer_values_than_buckets_are_skipped() -> None:
    sig = pl.concat([_signal(D1, [1.0, 2, None, 4, None]), _signal(D2, [1.0, 2, 3, 4, 5])])
    sheet = _sheet(sig, [0.01, 0.02, 0.03, 0.04, 0.05])
    assert sheet.quantiles["n_dates"].to_list() == [1] * 5
    assert sheet.long_short["date"].to_list() == [D2]


def test_quantile_returns_and_long_short_are_hand_computed() -> None:
    sig = pl.concat([_signal(D1, [float(v) for v in range(1, 11)]), _signal(D2, [float(v) for v in range(10, 0, -1)])])
    sheet = _sheet(sig, [0.01, 0.03, 0.0, 0.02, 0.05, -0.01, 0.04, 0.02, 0.06, 0.08])
    # D1 buckets: 0.02, 0.01, 0.02, 0.03, 0.07; D2 (reversed signal): 0.07, 0.03, 0.02, 0.01, 0.02
    assert sheet.quantiles["mean_ret"].to_list() == pytest.approx([0.045, 0.02, 0.02, 0.02, 0.045])
    assert sheet.long_short["long_short"].to_list() == pytest.approx([0.05, -0.05])
    assert sheet.long_short_mean == pytest.approx(0.0)


def test_top_bucket_turnover_counts_membership_changes() -> None:
    sig = pl.concat(
        [
            _signal(D1, [float(v) for v in range(1, 11)]),  # top: a09, a10
            _signal(D2, [11.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]),  # top: a10, a01 -> 1 of 2 kept
            _signal(D3, [11.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]),  # unchanged
        ]
    )
    assert _sheet(sig, [0.01] * 10).turnover == pytest.approx((0.5 + 0.0) / 2)


def test_rank_autocorrelation_is_one_for_a_persistent_signal_and_minus_one_when_reversed() -> None:
    up = [float(v) for v in range(1, 11)]
    sig = pl.concat([_signal(D1, up), _signal(D2, [v * 2 for v in up]), _signal(D3, up[::-1])])
    assert _sheet(sig, [0.01] * 10).autocorrelation == pytest.approx((1.0 - 1.0) / 2)
    assert _sheet(sig.filter(pl.col("date") < D3), [0.01] * 10).autocorrelation == pytest.approx(1.0)


def test_rank_autocorrelation_matches_numpy_on_random_ranks() -> None:
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=10), rng.normal(size=10)
    sig = pl.concat([_signal(D1, list(a)), _signal(D2, list(b))])
    ra, rb = a.argsort().argsort(), b.argsort().argsort()
    assert _sheet(sig, [0.01] * 10).autocorrelation == pytest.approx(np.corrcoef(ra, rb)[0, 1], abs=1e-14)
