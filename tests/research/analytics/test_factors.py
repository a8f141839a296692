from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

from research.analytics.factors import (
    FACTORS,
    asset_growth,
    beta,
    book_equity,
    compute_factors,
    earnings_yield,
    gross_profitability,
    lagged_book_equity,
    lagged_cap,
    low_volatility,
    market_cap,
    market_return,
    momentum,
    pit_join,
    roe,
    size,
    value,
)


def _dates(n: int) -> list[dt.date]:
    return [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n)]


def _fund(**cols: list[float | None]) -> pl.DataFrame:
    names = ["seq", "ceq", "pstk", "at", "lt", "txditc", "pstkrv", "pstkl"]
    n = len(next(iter(cols.values())))
    return pl.DataFrame({c: cols.get(c, [None] * n) for c in names}, schema={c: pl.Float64 for c in names})


def test_book_equity_follows_the_fama_french_fallbacks() -> None:
    f = _fund(
        seq=[100.0, None, None, None, 50.0],
        ceq=[None, 80.0, None, None, None],
        pstk=[5.0, 10.0, None, 3.0, None],
        at=[None, None, 300.0, None, None],
        lt=[None, None, 220.0, None, None],
        txditc=[7.0, None, 2.0, None, 1.0],
        pstkrv=[20.0, None, None, None, None],
        pstkl=[None, 4.0, None, None, None],
    )
    got = f.select(book_equity().alias("be")).get_column("be")
    # row0: seq + txditc - pstkrv; row1: (ceq+pstk) + 0 - pstkl; row2: (at-lt) + txditc - 0;
    # row3: no SE variant -> null; row4: seq + txditc - 0
    expected = pl.Series("be", [100 + 7 - 20, 80 + 10 - 4, 80 + 2, None, 51.0], dtype=pl.Float64)
    assert_series_equal(got, expected)


def test_size_and_value_use_absolute_price_and_shares_in_thousands() -> None:
    df = _fund(seq=[1_000_000.0, -5.0]).with_columns(prc=pl.Series([-10.0, 20.0]), shrout=pl.Series([200.0, 100.0]))
    out = df.select(market_cap().alias("cap"), size().alias("size"), value().alias("value"))
    assert out.get_column("cap").to_list() == [2_000_000.0, 2_000_000.0]
    assert out.get_column("size").to_list() == pytest.approx([np.log(2e6)] * 2)
    assert out.get_column("value")[0] == pytest.approx(np.log(0.5))
    assert out.get_column("value")[1] is None  # negative book equity
    assert df.select(value(book_to_dollars=1e6)).item(0, 0) == pytest.approx(np.log(5e5))


def test_roe_uses_prior_year_book_and_gross_profitability() -> None:
    f = _fund(seq=[100.0, 120.0, 150.0]).with_columns(
        gvkey=pl.lit("001234"),
        datadate=pl.Series([dt.date(2019, 12, 31), dt.date(2020, 12, 31), dt.date(2021, 12, 31)]),
        ib=pl.Series([10.0, 12.0, 30.0]),
        revt=pl.Series([50.0, 60.0, 70.0]),
        cogs=pl.Series([20.0, 30.0, 35.0]),
        at=pl.Series([100.0, 200.0, 150.0]),
    )
    out = f.with_columns(
        be_lag=lagged_book_equity(), at_lag=pl.col("at").shift(1).over("gvkey", order_by="datadate")
    ).select(roe().alias("roe"), gross_profitability().alias("gp"), asset_growth().alias("ag"))
    assert out.get_column("roe").to_list() == [None, pytest.approx(0.12), pytest.approx(0.25)]
    assert out.get_column("gp").to_list() == pytest.approx([0.30, 0.15, 35 / 150])
    assert out.get_column("ag").to_list() == [None, pytest.approx(1.0), pytest.approx(-0.25)]
    # cap = 20 * 50 * 1000 = 1e6 dollars; ib in $ millions
    ey = f.with_columns(prc=pl.lit(-20.0), shrout=pl.lit(50.0)).select(earnings_yield(book_to_dollars=1e6))
    assert ey.to_series().to_list() == pytest.approx([10.0, 12.0, 30.0])


def test_momentum_hand_computed_small_window() -> None:
    df = pl.DataFrame({"permno": [1] * 6, "date": _dates(6), "ret": [0.1, 0.2, None, -0.1, 0.05, 0.3]})
    got = df.select(momentum(lookback=4, skip=1, min_periods=2).alias("m")).get_column("m").to_list()
    # window of 3 returns ending one row before t
    assert got[:2] == [None, None]
    assert got[2] == pytest.approx(1.1 * 1.2 - 1)  # rows 0..1 (two returns = min_periods)
    assert got[3] == pytest.approx(1.1 * 1.2 - 1)  # rows 0..2 (row 2 null skipped)
    assert got[4] == pytest.approx(1.2 * 0.9 - 1)  # rows 1..3
    assert got[5] == pytest.approx(0.9 * 1.05 - 1)  # rows 2..4


def test_default_momentum_is_t_minus_251_to_t_minus_21_against_numpy() -> None:
    rng = np.random.default_rng(0)
    r = rng.normal(0.0005, 0.02, 300)
    df = pl.DataFrame({"permno": [7] * 300, "date": _dates(300), "ret": r})
    got = df.select(momentum().alias("m")).get_column("m").to_numpy()
    t = 299
    assert got[t] == pytest.approx(np.prod(1 + r[t - 251 : t - 20]) - 1, rel=1e-10)
    # needs 80 % of 231 returns (184, first at row 183), then the 21-row skip
    assert np.isnan(got[:204]).all() and not np.isnan(got[204])


def test_low_volatility_and_beta_against_numpy() -> None:
    rng = np.random.default_rng(1)
    n = 60
    m = rng.normal(0, 0.01, n)
    r = 0.0002 + 1.3 * m + rng.normal(0, 0.005, n)
    r_null = r.copy()
    r_null[10] = np.nan
    df = pl.DataFrame({"permno": [1] * n, "date": _dates(n), "ret": r_null, "mkt_ret": m}).with_columns(
        pl.col("ret").fill_nan(None)
    )
    out = df.select(low_volatility(window=20, min_periods=15).alias("lv"), beta(window=20, min_periods=15).alias("b"))
    lv = out.get_column("lv").to_numpy()
    b = out.get_column("b").to_numpy()
    window = slice(5, 25)  # row 24: window rows 5..24, one null
    ok = ~np.isnan(r_null[window])
    assert lv[24] == pytest.approx(-np.std(r_null[window][ok], ddof=1), rel=1e-10)
    assert b[24] == pytest.approx(np.polyfit(m[window][ok], r_null[window][ok], 1)[0], rel=1e-9)
    assert np.isnan(b[13]) and not np.isnan(b[15])


def test_market_return_uses_previous_cap() -> None:
    df = pl.DataFrame(
        {
            "permno": [1, 2, 1, 2],
            "date": [dt.date(2020, 1, 2)] * 2 + [dt.date(2020, 1, 3)] * 2,
            "ret": [0.0, 0.0, 0.10, -0.05],
            "mktcap": [300.0, 100.0, 999.0, 1.0],
        }
    )
    out = df.with_columns(lagged_cap()).select(market_return().alias("m")).get_column("m").to_list()
    assert out[0] is None or np.isnan(out[0])
    assert out[2] == pytest.approx((300 * 0.10 + 100 * -0.05) / 400)


def test_pit_join_takes_the_latest_available_row_only() -> None:
    panel = pl.DataFrame(
        {
            "permno": [1, 1, 1, 2],
            "date": [dt.date(2021, 3, 1), dt.date(2021, 4, 1), dt.date(2021, 5, 1), dt.date(2021, 5, 1)],
        }
    )
    fund = pl.DataFrame(
        {
            "permno": [1, 1, 1],
            "available_date": [dt.date(2020, 4, 1), dt.date(2021, 4, 1), dt.date(2021, 4, 1)],
            "datadate": [dt.date(2019, 12, 31), dt.date(2020, 9, 30), dt.date(2020, 12, 31)],
            "ib": [1.0, 2.0, 3.0],
        }
    )
    out = pit_join(panel, fund).collect()
    expected = panel.with_columns(
        available_date=pl.Series([dt.date(2020, 4, 1), dt.date(2021, 4, 1), dt.date(2021, 4, 1), None]),
        datadate=pl.Series([dt.date(2019, 12, 31), dt.date(2020, 12, 31), dt.date(2020, 12, 31), None]),
        ib=pl.Series([1.0, 3.0, 3.0, None]),
    )
    assert_frame_equal(out, expected)
    stale = pit_join(panel, fund, max_age_days=300).collect()
    assert stale.get_column("ib").to_list() == [None, 3.0, 3.0, None]


def test_factors_do_not_look_ahead() -> None:
    rng = np.random.default_rng(2)
    n = 300
    panel = pl.DataFrame(
        {
            "permno": [1] * n + [2] * n,
            "date": _dates(n) * 2,
            "ret": rng.normal(0, 0.02, 2 * n),
            "prc": np.abs(rng.normal(50, 5, 2 * n)),
            "shrout": np.full(2 * n, 1000.0),
        }
    ).with_columns(mktcap=market_cap())
    fund = pl.DataFrame(
        {
            "permno": [1, 1, 2],
            "available_date": [dt.date(2020, 1, 1), dt.date(2020, 6, 1), dt.date(2020, 1, 1)],
            "datadate": [dt.date(2019, 6, 30), dt.date(2019, 12, 31), dt.date(2019, 6, 30)],
            **{c: [10_000.0, 20_000.0, 30_000.0] for c in ["seq"]},
            **{c: [None, None, None] for c in ["ceq", "pstk", "at", "lt", "txditc", "pstkrv", "pstkl"]},
        },
        schema_overrides={c: pl.Float64 for c in ["ceq", "pstk", "at", "lt", "txditc", "pstkrv", "pstkl"]},
    )

    def run(p: pl.DataFrame, f: pl.DataFrame) -> pl.DataFrame:
        joined = pit_join(p.with_columns(lagged_cap()).with_columns(mkt_ret=market_return()), f)
        return compute_factors(joined, ["size", "value", "momentum", "low_volatility", "beta"]).collect()

    cutoff = dt.date(2020, 5, 1)
    base = run(panel, fund)
    future = panel.with_columns(
        pl.when(pl.col("date") > cutoff).then(pl.col("ret") * -5).otherwise(pl.col("ret")).alias("ret")
    )
    changed_fund = fund.with_columns(
        pl.when(pl.col("available_date") > cutoff).then(1.0).otherwise(pl.col("seq")).alias("seq")
    )
    again = run(future, changed_fund)
    assert_frame_equal(base.filter(pl.col("date") <= cutoff), again.filter(pl.col("date") <= cutoff))
    assert not base.filter(pl.col("date") > cutoff).equals(again.filter(pl.col("date") > cutoff))


def test_registry_lists_inputs_and_rejects_missing_columns() -> None:
    assert {"size", "value", "roe", "gross_profitability", "momentum", "low_volatility", "beta"} <= set(FACTORS)
    assert FACTORS["momentum"].inputs == ("ret",)
    with pytest.raises(ValueError, match="beta"):
        compute_factors(pl.DataFrame({"permno": [1], "date": [dt.date(2020, 1, 1)], "ret": [0.0]}), ["beta"])
