"""The dense (dates × assets) product code reproduces the previous long-format polars
implementation (tests/research/analytics/longformat_reference.py) to 1e-12 on random panels with
ties, missing rows, null values, tiny and constant cross-sections."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import stats

from research.analytics import dense, rowstats
from research.analytics.ic import forward_returns, ic_by_date, sign_agreement
from research.analytics.tearsheet import tear_sheet, tear_sheet_from_prices
from tests.research.analytics import longformat_reference as ref

TOL = 1e-12


def _panel(seed: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    n_dates, n_assets = 45, 31
    dates = [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in np.cumsum(rng.integers(1, 4, n_dates))]
    assets = [f"A{i:02d}" for i in range(n_assets)]
    d = np.repeat(np.arange(n_dates), n_assets)
    a = np.tile(np.arange(n_assets), n_dates)
    price = 50 * np.exp(np.cumsum(rng.normal(0, 0.03, (n_dates, n_assets)), axis=0)).ravel()
    price[rng.random(price.size) < 0.02] = -1.0  # non-positive prices give null returns
    px_keep = rng.random(price.size) > 0.08  # missing price rows
    prices = pl.DataFrame(
        {"date": [dates[i] for i in d[px_keep]], "asset": [assets[j] for j in a[px_keep]], "price": price[px_keep]}
    )
    value = np.round(rng.normal(size=d.size), 1)  # rounding to 0.1 makes many ties
    value[d == 3] = 0.5  # a constant cross-section: null IC
    nulls = rng.random(d.size) < 0.05
    values: list[float | None] = [None if u else float(v) for v, u in zip(value, nulls, strict=True)]
    sig_keep = rng.random(d.size) > 0.15
    sig_keep &= ~((d == 5) & (a > 1))  # a date with only two assets
    sig_keep &= d < n_dates - 2  # signal stops before the price calendar does
    signal = pl.DataFrame(
        {
            "date": [dates[i] for i in d[sig_keep]],
            "asset": [assets[j] for j in a[sig_keep]],
            "value": pl.Series([values[k] for k in np.nonzero(sig_keep)[0]], dtype=pl.Float64),
        }
    )
    sectors = pl.DataFrame({"asset": assets[:-2], "group": [f"S{i % 3}" for i in range(n_assets - 2)]})
    return prices, signal, sectors


def _close(ours: pl.DataFrame, theirs: pl.DataFrame) -> None:
    assert_frame_equal(ours, theirs, check_dtypes=False, abs_tol=TOL, rel_tol=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_forward_returns_match_the_long_format_reference_exactly(seed: int) -> None:
    prices, _, _ = _panel(seed)
    _close(forward_returns(prices, (1, 5, 10)), ref.forward_returns(prices, (1, 5, 10)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ic_and_rank_ic_match_the_long_format_reference(seed: int) -> None:
    prices, signal, sectors = _panel(seed)
    fwd = forward_returns(prices, (1, 5)).filter(pl.col("h") == 5)
    ours, theirs = ic_by_date(signal, fwd), ref.ic_by_date(signal, fwd)
    _close(ours, theirs)
    assert ours["ic"].null_count() >= 2  # the constant date and the two-asset date
    _close(ic_by_date(signal, fwd, groups=sectors), ref.ic_by_date(signal, fwd, groups=sectors))
    pit = signal.select("date", "asset").with_columns(
        pl.when(pl.col("asset") < "A10").then(pl.lit("low")).otherwise(pl.lit("high")).alias("group")
    )
    _close(ic_by_date(signal, fwd, groups=pit), ref.ic_by_date(signal, fwd, groups=pit))
    assert sign_agreement(signal, fwd) == pytest.approx(ref.sign_agreement(signal, fwd), abs=TOL)


@pytest.mark.parametrize("subset", [False, True])
def test_tear_sheet_from_prices_equals_the_tear_sheet_of_forward_returns(subset: bool) -> None:
    prices, signal, sectors = _panel(4)
    if subset:  # signal on every other price date, some assets the price file lacks or has alone
        kept = signal["date"].unique().sort().gather_every(2)
        signal = signal.filter(pl.col("date").is_in(kept.implode()))
        signal = pl.concat(
            [
                signal.filter(pl.col("asset") != "A03"),
                signal.filter(pl.col("asset") == "A04").with_columns(pl.lit("ZZ").alias("asset")),
            ]
        )
        assert signal["date"].n_unique() < prices["date"].n_unique() // 2 + 1
    a = tear_sheet(signal, forward_returns(prices, (1, 5, 10)), h=5, periods_per_year=252, groups=sectors)
    b = tear_sheet_from_prices(signal, prices, h=5, horizons=(1, 5, 10), periods_per_year=252, groups=sectors)
    for name in ("ic", "decay", "quantiles", "long_short", "group_ic"):
        _close(getattr(a, name), getattr(b, name))
    assert (a.turnover, a.autocorrelation, a.long_short_mean) == (b.turnover, b.autocorrelation, b.long_short_mean)
    ls = ref.quantile_returns(signal, forward_returns(prices, (5,)), 5)[3]
    assert b.long_short_mean == pytest.approx(ls, abs=TOL)


def test_row_ranks_are_scipy_average_ranks_with_nan_omitted() -> None:
    rng = np.random.default_rng(0)
    x = np.round(rng.normal(size=(20, 50)), 1)
    x[rng.random(x.shape) < 0.2] = np.nan
    expected = stats.rankdata(x, axis=1, nan_policy="omit")
    np.testing.assert_array_equal(rowstats.row_ranks(x), expected)


def test_duplicate_cells_are_rejected() -> None:
    frame = pl.DataFrame({"date": [dt.date(2024, 1, 2)] * 2, "asset": ["A", "A"], "value": [1.0, 2.0]})
    with pytest.raises(ValueError, match="duplicate"):
        dense.pivot(frame, "value")
