"""Walk-forward windows, search helpers and the stitched out-of-sample curve."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from backtests.analytics import walkforward as wf
from backtests.analytics.metrics import sharpe_ratio


def spans(folds: list[wf.Fold]) -> list[tuple[int, int, int, int]]:
    return [(f.train_start, f.train_stop, f.test_start, f.test_stop) for f in folds]


def test_rolling_and_expanding_windows_by_hand() -> None:
    assert spans(wf.rolling_folds(10, train=4, test=2)) == [(0, 4, 4, 6), (2, 6, 6, 8), (4, 8, 8, 10)]
    assert spans(wf.expanding_folds(10, min_train=4, test=2)) == [(0, 4, 4, 6), (0, 6, 6, 8), (0, 8, 8, 10)]
    assert spans(wf.rolling_folds(10, train=4, test=2, gap=1)) == [(0, 4, 5, 7), (2, 6, 7, 9)]
    assert wf.rolling_folds(5, train=4, test=2) == []


@pytest.mark.parametrize("expanding", [False, True])
def test_windows_never_leak_test_rows_into_training(expanding: bool) -> None:
    for n, train, test, step, gap in [(100, 20, 5, 3, 0), (250, 60, 21, 21, 2), (37, 10, 9, 1, 1)]:
        make = wf.expanding_folds if expanding else wf.rolling_folds
        folds = make(n, **{"min_train" if expanding else "train": train}, test=test, step=step, gap=gap)
        assert folds
        for f in folds:
            assert f.train_start < f.train_stop <= f.test_start - gap < f.test_stop <= n
            assert f.test_stop - f.test_start == test
        if step >= test:
            tests = [set(range(f.test_start, f.test_stop)) for f in folds]
            assert all(not (a & b) for i, a in enumerate(tests) for b in tests[i + 1 :])


def regime_candidates() -> np.ndarray:
    rng = np.random.default_rng(8)
    x = rng.normal(0, 0.01, (200, 3))
    x[:100, 0] += 0.004  # candidate 0 works early
    x[100:, 2] += 0.004  # candidate 2 works late
    return x


def test_walk_forward_picks_on_train_and_stitches_test_windows() -> None:
    x = regime_candidates()
    dates = pl.Series("date", [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(200)])
    folds = wf.rolling_folds(200, train=60, test=20)
    res = wf.walk_forward(x, folds, dates=dates)
    chosen = res.folds["candidate"].to_list()
    assert chosen[0] == 0 and chosen[-1] == 2
    for f, c in zip(folds, chosen, strict=True):
        seg = res.oos.filter(pl.col("fold") == f.index)
        np.testing.assert_array_equal(seg["return"].to_numpy(), x[f.test_start : f.test_stop, c])
        assert seg["date"][0] == dates[f.test_start]
    assert res.oos.height == 20 * len(folds) and res.oos["row"].is_sorted()
    assert res.efficiency == pytest.approx(res.mean_oos_score / res.mean_is_score)
    assert res.oos_sharpe == pytest.approx(sharpe_ratio(res.oos["return"].to_numpy()))
    assert res.mean_is_score > res.mean_oos_score  # selection on noise-heavy windows degrades OOS


def test_walk_forward_choice_ignores_rows_after_training() -> None:
    x = regime_candidates()
    folds = wf.expanding_folds(200, min_train=60, test=20)
    base = wf.walk_forward(x, folds)
    shocked = x.copy()
    shocked[120:] = np.random.default_rng(0).normal(0, 0.05, shocked[120:].shape)
    again = wf.walk_forward(shocked, folds)
    early = [i for i, f in enumerate(folds) if f.train_stop <= 120]
    assert [base.folds["candidate"][i] for i in early] == [again.folds["candidate"][i] for i in early]
    assert [base.folds["is_score"][i] for i in early] == [again.folds["is_score"][i] for i in early]
