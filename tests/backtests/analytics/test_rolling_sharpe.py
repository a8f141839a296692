"""The vectorised rolling Sharpe equals sharpe_ratio applied window by window (NaNs, flat windows)."""

from __future__ import annotations

import numpy as np
import pytest

from backtests.analytics.metrics import rolling_apply, rolling_sharpe, sharpe_ratio


@pytest.mark.parametrize(("n", "window", "seed"), [(1000, 63, 1), (60, 6, 2), (12, 12, 3), (30, 2, 4)])
def test_rolling_sharpe_matches_the_window_by_window_definition(n: int, window: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0004, 0.012, n)
    returns[rng.random(n) < 0.08] = np.nan  # missing slots are dropped inside each window
    returns[5:9] = 0.001  # a flat stretch: zero-variance windows when window <= 4
    fast = rolling_sharpe(returns, window, periods_per_year=252)
    slow = rolling_apply(returns, window, lambda w: sharpe_ratio(w, periods_per_year=252))
    assert fast.shape == slow.shape == (n - window + 1,)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_rolling_sharpe_edge_cases() -> None:
    assert rolling_sharpe(np.zeros(4), 5).size == 0  # window longer than the series
    assert np.isnan(rolling_sharpe(np.zeros(6), 3)).all()  # 0 / 0
    assert (rolling_sharpe(np.full(4, 0.01), 2) == np.inf).all()  # positive mean, no variance
    assert np.isnan(rolling_sharpe(np.array([np.nan, np.nan, 0.01]), 2)).all()  # < 2 values
