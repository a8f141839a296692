"""Property tests of the missing-value policy and invariances (hypothesis, fixed seed)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backtests.analytics import metrics as m

returns = st.lists(st.floats(min_value=-0.5, max_value=0.5, allow_nan=False), min_size=3, max_size=60)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(returns, st.lists(st.integers(min_value=0, max_value=60), max_size=10))
def test_inserting_missing_values_changes_nothing(values: list[float], holes: list[int]) -> None:
    r = np.array(values)
    with_gaps = list(values)
    for h in sorted(holes, reverse=True):
        with_gaps.insert(min(h, len(with_gaps)), None)  # type: ignore[arg-type]
    for fn in (
        m.total_return,
        m.max_drawdown,
        m.annual_return,
        m.annual_volatility,
        m.downside_risk,
        m.tail_ratio,
    ):
        a, b = fn(r), fn(with_gaps)  # type: ignore[operator]
        assert (np.isnan(a) and np.isnan(b)) or a == b, fn.__name__
    _, n_missing = m.clean(with_gaps)
    assert n_missing == len(holes)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(returns, st.randoms(use_true_random=False))
def test_order_free_metrics_ignore_order_and_drawdown_is_bounded(values: list[float], rnd: object) -> None:
    r = np.array(values)
    shuffled = r.copy()
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert np.isclose(m.annual_return(r), m.annual_return(shuffled), rtol=1e-9, atol=1e-12)
    a, b = m.sharpe_ratio(r), m.sharpe_ratio(shuffled)
    assert (np.isnan(a) and np.isnan(b)) or np.isclose(a, b, rtol=1e-9, atol=1e-9)
    mdd = m.max_drawdown(r)
    assert -1.0 <= mdd <= 0.0
    assert mdd <= min(0.0, float(np.min(r))) + 1e-12  # the worst single period is itself a drawdown
