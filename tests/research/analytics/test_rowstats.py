"""Kernels of research.analytics.rowstats and the dense layouts they read (research.analytics.dense):
the fast paths (complete sorted grids, exact rank sums, cached centring, per-block forward returns)
give the same numbers as the general paths."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from research.analytics import dense, rowstats
from research.analytics.ic import forward_returns, ic_by_date
from research.analytics.tearsheet import tear_sheet, tear_sheet_from_prices
from tests.research.analytics import longformat_reference as ref


def _grid(n_dates: int, n_assets: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A complete panel sorted by (date, integer asset): the layout of the grid fast path."""
    rng = np.random.default_rng(seed)
    dates = pl.date_range(dt.date(2021, 1, 4), dt.date(2021, 1, 4) + dt.timedelta(days=n_dates - 1), eager=True)
    d, a = np.repeat(dates.to_numpy(), n_assets), np.tile(np.arange(n_assets, dtype=np.int64) * 3, n_dates)
    rets = rng.normal(0, 0.02, (n_dates, n_assets))
    price = 20 * np.exp(np.cumsum(rets, axis=0))
    value = np.vstack([rets[1:], np.zeros((1, n_assets))]) + rng.normal(0, 0.02, rets.shape)
    return (pl.DataFrame({"date": d, "asset": a, "price": price.ravel()}),
            pl.DataFrame({"date": d, "asset": a, "value": value.ravel()}))  # fmt: skip


def test_pivot_of_a_sorted_complete_grid_equals_the_general_path() -> None:
    prices, _ = _grid(30, 17, 1)
    fast = dense.pivot(prices, "price")
    general = dense.pivot(prices.sample(fraction=1.0, shuffle=True, seed=2), "price")  # unsorted: scatter path
    assert dense.sorted_grid(prices["date"], prices["asset"]) is not None
    assert dense.sorted_grid(prices[1:]["date"], prices[1:]["asset"]) is None  # incomplete
    np.testing.assert_array_equal(fast.values, general.values)
    assert fast.dates.equals(general.dates) and fast.assets.equals(general.assets)
    holes = prices.with_columns(pl.when(pl.col("asset") == 3).then(float("inf")).otherwise("price").alias("price"))
    assert np.isnan(dense.pivot(holes, "price").values[:, 1]).all()  # non-finite cells become NaN


def test_price_forward_blocks_equal_the_forward_return_matrix_at_the_signal_axes() -> None:
    prices, _ = _grid(40, 9, 3)
    px = dense.pivot(prices, "price")
    dates = pl.concat([px.dates.gather([0, 1, 2, 5, 6, 30, 38, 39]), pl.Series([dt.date(1999, 1, 1)])]).sort()
    assets = pl.Series("asset", [0, 6, 9, 24, 1000], dtype=pl.Int64)  # 1000: not in the prices
    fwd = dense.PriceForward.on(px, dates, assets)
    r, c = dense.positions(dates, px.dates), dense.positions(assets, px.assets)
    for h in (1, 5):
        full = dense.forward_return_matrix(px.values, h)
        expected = np.where((r[:, None] >= 0) & (c[None, :] >= 0), full[r][:, c], np.nan)
        np.testing.assert_array_equal(fwd.matrix(h), expected)
        np.testing.assert_array_equal(fwd.block(h, slice(2, 6)), expected[2:6])
    same = dense.PriceForward.on(px, px.dates, px.assets)  # contiguous rows, identical columns: views
    assert same.same_columns
    np.testing.assert_array_equal(same.matrix(3), dense.forward_return_matrix(px.values, 3))


def test_rank_pearson_from_exact_sums_equals_pearson_of_the_ranks() -> None:
    rng = np.random.default_rng(4)
    x = np.round(rng.normal(size=(6, 500)), 1)  # ties
    y = rng.normal(size=(6, 500))
    x[1] = 2.0  # constant row: null
    y[2, :7] = np.nan  # an incomplete row takes the general path
    rx, ry = rowstats._paired_ranks(x, y)
    got = rowstats._rank_pearson(rx, ry)
    want = rowstats._pearson(rx, ry)[0]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)
    assert np.isnan(got[1]) and np.isfinite(got[2])


def test_cached_centring_gives_the_same_pearson() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(4, 300)), rng.normal(size=(4, 300))
    y[3, 5] = np.nan  # falls back to the paired path
    cx = rowstats._centred(x)
    assert cx is not None and rowstats._centred(np.where(x > 2, np.nan, x)) is None
    for a, b in zip(rowstats._pearson(x, y, cx), rowstats._pearson(x, y), strict=True):
        np.testing.assert_array_equal(a, b)


def test_lag_statistics_of_the_fused_pass_equal_the_whole_matrix_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "BLOCK_ROWS", 4)  # several blocks, each re-ranking the row before it
    rng = np.random.default_rng(6)
    x = np.round(rng.normal(size=(23, 40)), 1)
    x[3, :5] = np.nan  # incomplete rows take the paired path
    fwd = dense.MatrixForward({1: rng.normal(size=(23, 40))})
    lags, _ = rowstats.sheet_arrays(x, fwd, [1], buckets_for=(), q=5, turnover_buckets=(5, 1))
    r = rowstats.row_ranks(x)
    for bucket in (5, 1):
        expected = rowstats.membership_turnover(rowstats._buckets(r, 5), bucket, 1)
        np.testing.assert_array_equal(lags.turnover[bucket], expected)
    autocorrelation = np.concatenate([[np.nan], rowstats._pearson(r[1:], r[:-1])[0]])
    np.testing.assert_array_equal(lags.autocorrelation, autocorrelation)
    assert np.isfinite(lags.autocorrelation[1:]).all() and 0 < np.nanmean(lags.turnover[5]) < 1


def test_tear_sheet_on_a_complete_grid_matches_the_long_format_reference() -> None:
    prices, signal = _grid(80, 60, 7)
    sheet = tear_sheet_from_prices(signal, prices, h=5, horizons=(1, 5, 10), periods_per_year=252)
    fwd = forward_returns(prices, (1, 5, 10))
    long = tear_sheet(signal, fwd, h=5, periods_per_year=252)
    theirs = ref.ic_by_date(signal, fwd.filter(pl.col("h") == 5))
    assert_frame_equal(sheet.ic, theirs.select("date", "ic", "rank_ic"), abs_tol=1e-12, rel_tol=0)
    assert_frame_equal(sheet.decay, long.decay, abs_tol=1e-12, rel_tol=0)
    assert_frame_equal(ic_by_date(signal, fwd.filter(pl.col("h") == 5)).select("date", "ic", "rank_ic"),
                       sheet.ic, abs_tol=1e-12, rel_tol=0)  # fmt: skip
    turnover = ref.quantile_turnover(signal, 5, bucket=5)["turnover"].mean()
    assert sheet.turnover == pytest.approx(turnover, abs=1e-12)
    assert sheet.ic_summary.mean > 0.3  # the signal is next-day return plus noise


def test_forward_returns_of_a_complete_grid_equal_the_general_path_and_the_reference() -> None:
    prices, _ = _grid(40, 12, 8)
    fast = forward_returns(prices, (5, 1))  # a sorted complete panel: the reshape path
    general = forward_returns(prices.sample(fraction=1.0, shuffle=True, seed=3), (5, 1))  # lexsort path
    assert_frame_equal(fast, general)
    assert fast["h"].to_list() == [1] * 480 + [5] * 480  # sorted by h whatever order they were asked in
    assert_frame_equal(fast, ref.forward_returns(prices, (1, 5)), check_dtypes=False, abs_tol=1e-15, rel_tol=0)
    one = fast.filter(pl.col("h") == 1)
    m = dense.align(one, "fwd_ret", dense.pivot(prices, "price").dates, dense.pivot(prices, "price").assets)
    np.testing.assert_array_equal(m, dense.forward_return_matrix(dense.pivot(prices, "price").values, 1))


def test_complete_block_shortcuts_equal_the_masked_kernels() -> None:
    rng = np.random.default_rng(12)
    r = rowstats.row_ranks(np.round(rng.normal(size=(9, 37)), 1))  # ties: half ranks
    y = rng.normal(size=(9, 37))
    for q in (2, 5, 10):
        b = rowstats._buckets(r, q, complete=True)
        np.testing.assert_array_equal(b, rowstats._buckets(r, q))
        fast, masked = rowstats.bucket_means(b, y, q, complete=True), rowstats.bucket_means(b, y, q)
        for got, want in zip(fast, masked, strict=True):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(rowstats._buckets(r[:, :3], 5, complete=True), np.zeros((9, 3), dtype=np.int64))


def test_a_constant_forward_return_row_gives_null_ic_and_rank_ic_in_the_fused_pass() -> None:
    rng = np.random.default_rng(13)
    x, y = rng.normal(size=(5, 30)), rng.normal(size=(5, 30))
    y[2] = 0.01  # every asset returned the same: no correlation is defined
    _, arrays = rowstats.sheet_arrays(x, dense.MatrixForward({1: y}), [1], buckets_for=(1,), q=5)
    general = rowstats.horizon_arrays(x, y, q=5)  # the masked path, row by row
    for name in ("n", "ic", "rank_ic", "bucket_mean", "bucket_count"):
        np.testing.assert_array_equal(getattr(arrays[1], name), getattr(general, name), err_msg=name)
    assert np.isnan(arrays[1].ic[2]) and np.isnan(arrays[1].rank_ic[2])
    assert np.isfinite(arrays[1].ic[[0, 1, 3, 4]]).all()
