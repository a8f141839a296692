"""Walk-forward analysis: train/test window generators, parameter search helpers, the stitched
out-of-sample curve and in-sample vs out-of-sample degradation.

Windows are half-open row ranges ``[start, stop)`` over an ordered sequence of periods. Every
test window starts after its train window ends (plus an optional ``gap`` of embargo periods),
so no test period is ever used for fitting that fold. Only full test windows are produced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from .metrics import DEFAULT_PERIODS_PER_YEAR, sharpe_ratio, sharpe_ratio_columns

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fold:
    """One walk-forward split: train rows ``[train_start, train_stop)``, test rows
    ``[test_start, test_stop)`` with ``test_start >= train_stop``."""

    index: int
    train_start: int
    train_stop: int
    test_start: int
    test_stop: int


def rolling_folds(n_periods: int, *, train: int, test: int, step: int | None = None, gap: int = 0) -> list[Fold]:
    """Fixed-length train windows sliding by ``step`` (default ``test``: back-to-back test windows)."""
    return _folds(n_periods, train=train, test=test, step=step or test, gap=gap, expanding=False)


def expanding_folds(n_periods: int, *, min_train: int, test: int, step: int | None = None, gap: int = 0) -> list[Fold]:
    """Train windows anchored at row 0 growing by ``step`` (default ``test``) from ``min_train`` rows."""
    return _folds(n_periods, train=min_train, test=test, step=step or test, gap=gap, expanding=True)


def _folds(n_periods: int, *, train: int, test: int, step: int, gap: int, expanding: bool) -> list[Fold]:
    if min(train, test, step) < 1 or gap < 0:
        raise ValueError("train, test and step must be >= 1 and gap >= 0")
    out: list[Fold] = []
    train_stop = train
    while train_stop + gap + test <= n_periods:
        start = 0 if expanding else train_stop - train
        out.append(Fold(len(out), start, train_stop, train_stop + gap, train_stop + gap + test))
        train_stop += step
    return out


@dataclass(frozen=True, slots=True)
class WalkForwardResult:
    """``folds``: fold, train/test rows, chosen candidate, its IS and OOS score;
    ``oos``: the stitched out-of-sample curve (row, [date,] return, fold, candidate);
    ``efficiency``: mean OOS score / mean IS score of the chosen candidates (walk-forward
    efficiency; < 1 means degradation); ``oos_sharpe``: annualised Sharpe of the stitched curve."""

    folds: pl.DataFrame
    oos: pl.DataFrame
    mean_is_score: float
    mean_oos_score: float
    efficiency: float
    oos_sharpe: float


def walk_forward(
    candidate_returns: np.ndarray,
    folds: Sequence[Fold],
    *,
    dates: pl.Series | None = None,
    score: Callable[[np.ndarray], np.ndarray] | None = None,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
) -> WalkForwardResult:
    """Pick the best candidate on each train window, hold it over the test window, stitch.

    Parameters
    ----------
    candidate_returns : ``(T, N)`` per-period returns of N candidate parameter sets, each
        computed point-in-time by the caller (row t uses data <= t).
    folds : from :func:`rolling_folds` / :func:`expanding_folds` over the same T rows.
    score : column-wise score of a row block; default annualised Sharpe (ddof=1).
    """
    x = np.asarray(candidate_returns, dtype=float)
    score = score or (lambda b: sharpe_ratio_columns(b, periods_per_year=periods_per_year))
    rows, oos_parts = [], []
    for f in folds:
        is_scores = score(x[f.train_start : f.train_stop])
        chosen = int(np.nanargmax(is_scores))
        test = x[f.test_start : f.test_stop, chosen]
        oos_score = float(score(x[f.test_start : f.test_stop])[chosen])
        rows.append(
            (
                f.index,
                f.train_start,
                f.train_stop,
                f.test_start,
                f.test_stop,
                chosen,
                float(is_scores[chosen]),
                oos_score,
            )
        )
        oos_parts.append(
            pl.DataFrame(
                {
                    "row": np.arange(f.test_start, f.test_stop),
                    "return": test,
                    "fold": f.index,
                    "candidate": chosen,
                }
            )
        )
    cols = [
        "fold",
        "train_start",
        "train_stop",
        "test_start",
        "test_stop",
        "candidate",
        "is_score",
        "oos_score",
    ]
    table = pl.DataFrame(rows, schema=cols, orient="row")
    oos = (
        pl.concat(oos_parts)
        if oos_parts
        else pl.DataFrame(schema={"row": pl.Int64, "return": pl.Float64, "fold": pl.Int64, "candidate": pl.Int64})
    )
    if dates is not None:
        oos = oos.with_columns(date=dates.gather(oos["row"])).select("row", "date", "return", "fold", "candidate")
    mean_is = float(np.mean(table["is_score"].to_numpy())) if table.height else float("nan")
    mean_oos = float(np.mean(table["oos_score"].to_numpy())) if table.height else float("nan")
    return WalkForwardResult(
        folds=table,
        oos=oos,
        mean_is_score=mean_is,
        mean_oos_score=mean_oos,
        efficiency=mean_oos / mean_is if mean_is else float("nan"),
        oos_sharpe=sharpe_ratio(oos["return"], periods_per_year=periods_per_year),
    )
