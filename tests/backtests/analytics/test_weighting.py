"""Signal -> weights functions."""

from __future__ import annotations

import numpy as np
import pytest

from backtests.analytics.weighting import (
    decile_long_short,
    quantile_long_short,
    rank_weighted,
    top_n_long_only,
)


def test_decile_long_short_equal_weights_in_each_leg_and_ignores_nan() -> None:
    signal = np.arange(25, dtype=float)
    signal[3] = np.nan
    w = decile_long_short(signal)
    # 24 eligible -> k = 2: short 0 and 1, long 23 and 24
    assert np.flatnonzero(w < 0).tolist() == [0, 1] and np.flatnonzero(w > 0).tolist() == [23, 24]
    assert w[w > 0].tolist() == [0.5, 0.5] and w.sum() == 0.0
    assert quantile_long_short(np.array([1.0, np.nan])).tolist() == [0.0, 0.0]


def test_top_n_long_only_is_fully_invested() -> None:
    w = top_n_long_only(np.array([0.3, np.nan, 0.9, 0.1, 0.5]), n=2)
    assert w.tolist() == [0.0, 0.0, 0.5, 0.0, 0.5]


def test_rank_weighted_is_dollar_neutral_with_unit_legs() -> None:
    w = rank_weighted(np.array([10.0, 30.0, np.nan, 20.0, 40.0]))
    # ranks 1,3,2,4 -> centred -1.5, .5, -.5, 1.5 -> long sum 2
    assert w.tolist() == pytest.approx([-0.75, 0.25, 0.0, -0.25, 0.75])
