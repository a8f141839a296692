"""The sort-key ranking of research.analytics.ranks equals scipy's average ranks exactly, including
the cases its truncated keys must hand to the exact check: ties, ±0, denormals, ±inf, NaN and
values a few ulps apart."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from research.analytics import ranks


def _expected(x: np.ndarray) -> np.ndarray:
    return stats.rankdata(np.where(np.isfinite(x), x, np.nan), axis=1, nan_policy="omit")


def _case(kind: str, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    if kind == "normal":
        x = rng.normal(size=shape)
    elif kind == "rounded":  # many ties, and -0.0 from rounding small negatives
        x = np.round(rng.normal(size=shape), 1)
    elif kind == "signed_zeros":
        x = np.where(rng.random(shape) < 0.5, 0.0, -0.0)
    elif kind == "ulps":  # neighbours merge in the truncated key: the exact check must order them
        x = 1.0 + rng.integers(0, 5, shape) * np.finfo(float).eps
    else:
        specials = [5e-324, -5e-324, 0.0, -0.0, np.inf, -np.inf, 1e-310, -1e-310, 1.0, -1.0]
        x = rng.choice(specials, size=shape)
    x[rng.random(shape) < 0.2] = np.nan
    return x


@pytest.mark.parametrize("kind", ["normal", "rounded", "signed_zeros", "ulps", "specials"])
def test_row_ranks_equal_scipy_average_ranks(kind: str) -> None:
    rng = np.random.default_rng(len(kind))
    for cols in (1, 2, 3, 7, 64, 300, 4400):
        x = _case(kind, rng, (5, cols))
        np.testing.assert_array_equal(ranks.row_ranks(x), _expected(x), err_msg=f"{kind}, {cols} columns")
        np.testing.assert_array_equal(ranks._ranks_argsort(x), _expected(x))


def test_merged_keys_out_of_order_fall_back_to_an_exact_argsort() -> None:
    # 8 columns → 3 index bits: values 1 ulp apart share a truncated key, so the key sort orders
    # them by column; the descending row is out of order and must be re-sorted exactly
    x = np.array([[1.0 + k * np.finfo(float).eps for k in range(7, -1, -1)], np.arange(8.0)])
    np.testing.assert_array_equal(ranks.row_ranks(x), [np.arange(8.0, 0.0, -1.0), np.arange(1.0, 9.0)])


def test_index_bits_and_wide_rows_use_argsort(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [ranks.index_bits(c) for c in (1, 2, 3, 4400, 8192, 8193)] == [1, 1, 2, 13, 13, 14]
    monkeypatch.setattr(ranks, "_MAX_INDEX_BITS", 2)
    x = _case("rounded", np.random.default_rng(3), (4, 50))
    np.testing.assert_array_equal(ranks.row_ranks(x), _expected(x))


def test_empty_and_all_missing_rows() -> None:
    assert ranks.row_ranks(np.empty((0, 3))).shape == (0, 3)
    np.testing.assert_array_equal(ranks.row_ranks(np.full((2, 4), np.nan)), np.full((2, 4), np.nan))


@pytest.mark.parametrize("kind", ["normal", "rounded", "signed_zeros", "ulps"])
def test_complete_blocks_equal_scipy_average_ranks(kind: str) -> None:
    # no missing cell: the fast path (shared rank template, exact check only on rows with near-ties)
    rng = np.random.default_rng(10 + len(kind))
    for cols in (3, 64, 4400):
        x = _case(kind, rng, (6, cols))
        x[np.isnan(x)] = rng.normal(size=int(np.isnan(x).sum())) if kind == "normal" else 0.0
        x[-1] = -np.abs(x[-1])  # a row of negatives: their near-equal keys sort in reverse column order
        np.testing.assert_array_equal(ranks.row_ranks(x), _expected(x), err_msg=f"{kind}, {cols} columns")


def test_values_next_to_the_largest_float_are_not_taken_for_missing_cells() -> None:
    big = np.finfo(float).max
    x = np.array([[big, np.nan, np.nextafter(big, 0), 1.0, np.inf], [np.nan, -big, big, np.nan, 0.0]])
    np.testing.assert_array_equal(ranks.row_ranks(x), _expected(x))
