"""Realized measures, HAR, VPIN and spreads against hand computations and independent references."""

from __future__ import annotations

import datetime as dt
import json
import math
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm
from django.core.management import call_command
from scipy import stats

from research.analytics.microstructure import bars, har, realized, spreads, vpin
from tests.support.shared_data import require_shared_file

DAY = dt.date(2024, 3, 1)


def _at(minute: float) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(9, 30)) + dt.timedelta(minutes=minute)


def test_rv_bpv_medrv_on_a_hand_grid() -> None:
    # trades exactly on the 5-minute grid for the first 20 minutes, then flat
    prices = [100.0, 101.0, 100.0, 102.0, 102.0]
    trades = pl.DataFrame({"ts": [_at(5 * i) for i in range(5)], "symbol": "A", "price": prices, "size": 1})
    got = realized.realized_measures(trades, subsamples=1).row(0, named=True)
    r = np.diff(np.log(prices + [102.0] * 74))  # 78 returns, the last 74 are zero
    assert got["n"] == 78
    assert got["rv"] == pytest.approx(np.sum(r**2), rel=1e-12)
    assert got["bpv"] == pytest.approx(math.pi / 2 * np.sum(np.abs(r[1:]) * np.abs(r[:-1])), rel=1e-12)
    a = np.abs(r)
    med = np.median(np.column_stack([a[:-2], a[1:-1], a[2:]]), axis=1)
    want_med = math.pi / (6 - 4 * math.sqrt(3) + math.pi) * 78 / 76 * np.sum(med**2)
    assert got["medrv"] == pytest.approx(want_med, rel=1e-12)
    assert got["rv_sub"] == pytest.approx(got["rv"], rel=1e-12)  # one subsample is the plain RV


def _diffusion(seed: int, jump: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = 23401  # one price per second
    r = rng.normal(0, 0.01 / math.sqrt(n), n - 1)
    r[12000] += jump
    p = 100 * np.exp(np.concatenate([[0], np.cumsum(r)]))
    ts = [dt.datetime.combine(DAY, dt.time(9, 30)) + dt.timedelta(seconds=i) for i in range(n)]
    return pl.DataFrame({"ts": ts, "symbol": "A", "price": p, "size": 100})


def test_bns_flags_a_planted_jump_and_not_a_pure_diffusion() -> None:
    quiet = realized.realized_measures(_diffusion(1, 0.0), step=dt.timedelta(minutes=1)).row(0, named=True)
    jumpy = realized.realized_measures(_diffusion(1, 0.02), step=dt.timedelta(minutes=1)).row(0, named=True)
    assert not quiet["jump"] and quiet["bns_p"] > 0.01
    assert jumpy["jump"] and jumpy["bns_p"] < 1e-6
    assert jumpy["jump_var"] == pytest.approx(0.02**2, rel=0.25)
    assert quiet["rv"] == pytest.approx(0.01**2, rel=0.3)  # 1-minute RV of a 1%/day diffusion


def test_har_matches_statsmodels_on_spy() -> None:
    spy = pl.read_csv(require_shared_file("realized_vol", "SPYRM_highfrequency_2014-2019.csv"))
    x = spy["RV5"].to_numpy()
    fit = har.har_fit(x)
    s = pd.Series(x)
    frame = pd.DataFrame({"y": s.shift(-1), "d": s, "w": s.rolling(5).mean(), "m": s.rolling(22).mean()}).dropna()
    ols = sm.OLS(frame["y"], sm.add_constant(frame[["d", "w", "m"]])).fit()
    np.testing.assert_allclose(list(fit.coefficients.values()), ols.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(list(fit.std_errors.values()), ols.bse.to_numpy(), rtol=1e-9)
    assert fit.r2 == pytest.approx(ols.rsquared, rel=1e-9)
    assert fit.n == int(ols.nobs) == len(x) - 22
    last = [1, x[-1], x[-5:].mean(), x[-22:].mean()]
    assert fit.forecast == pytest.approx(float(np.dot(ols.params.to_numpy(), last)), rel=1e-9)


def test_har_fit_command_prints_the_documented_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rv = np.abs(rng.normal(1e-4, 3e-5, 300))
    path = tmp_path / "rv.csv"
    pl.DataFrame({"date": pd.bdate_range("2020-01-01", periods=300).strftime("%Y-%m-%d"), "RV": rv}).write_csv(path)
    out = StringIO()
    call_command("har_fit", str(path), "--column", "RV", "--format", "json", stdout=out)
    got = json.loads(out.getvalue())
    assert set(got["coefficients"]) == {"const", "daily", "weekly", "monthly"}
    assert got["coefficients"]["daily"] == pytest.approx(har.har_fit(rv).coefficients["daily"])
    assert got["n"] == 278 and 0 <= got["r2"] <= 1 and set(got["std_errors"]) == set(got["coefficients"])


def _mlfinlab_vpin(close: pd.Series, volume: pd.Series, window: int) -> pd.Series:
    buy = volume * stats.norm.cdf(close.diff() / close.diff().rolling(window=20).std())
    return (buy - (volume - buy)).abs().rolling(window=window).mean() / volume


def test_vpin_matches_the_pandas_formulation_of_mlfinlab() -> None:
    rng = np.random.default_rng(7)
    close = pd.Series(100 + np.cumsum(rng.normal(0, 0.1, 400)))
    volume = pd.Series(rng.integers(1_000, 5_000, 400).astype(float))
    got = vpin.vpin(close.to_numpy(), volume.to_numpy(), window=10)
    want = _mlfinlab_vpin(close, volume, 10).to_numpy()
    assert np.isnan(got[:29]).all() and np.isfinite(got[29:]).all()
    np.testing.assert_allclose(got, want, equal_nan=True)


def test_vpin_by_hand_on_three_bars() -> None:
    close = np.array([10.0, 11.0, 10.0, 12.0])
    volume = np.array([100.0, 100.0, 200.0, 100.0])
    got = vpin.vpin(close, volume, window=2, sigma_window=2)
    dp = np.array([1.0, -1.0, 2.0])
    sig = [np.nan, np.std(dp[:2], ddof=1), np.std(dp[1:], ddof=1)]
    buy = [np.nan, np.nan, 200 * stats.norm.cdf(-1 / sig[1]), 100 * stats.norm.cdf(2 / sig[2])]
    imb = [abs(2 * b - v) for b, v in zip(buy, volume, strict=True)]
    assert np.isnan(got[:3]).all()
    assert got[3] == pytest.approx((imb[2] + imb[3]) / 2 / 100)


def test_vpin_command_prints_one_value_or_null_per_row(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    n = 60
    path = tmp_path / "bars.csv"
    pl.DataFrame(
        {
            "date_time": [str(_at(i)) for i in range(n)],
            "close": 100 + np.cumsum(rng.normal(0, 0.05, n)),
            "volume": rng.integers(100, 900, n),
        }
    ).write_csv(path)
    out = StringIO()
    call_command("vpin", str(path), "--window", "5", "--format", "json", stdout=out)
    values = json.loads(out.getvalue())["vpin"]
    assert len(values) == n and values[:24] == [None] * 24 and all(v is not None for v in values[24:])


def test_volume_buckets_hold_at_least_the_bucket_volume() -> None:
    trades = pl.DataFrame({"ts": [_at(i) for i in range(7)], "symbol": "A", "price": 1.0 + np.arange(7), "size": 40})
    b = vpin.volume_buckets(trades, bucket_volume=100)
    assert b["volume"].to_list() == [100.0, 100.0]  # 280 shares: two full buckets, the rest dropped
    assert b["close"].to_list() == [3.0, 5.0]  # closed by the trades reaching 120 >= 100 and 200 >= 200


def test_lee_ready_quote_rule_then_tick_test_and_effective_spread() -> None:
    quotes = pl.DataFrame({"ts": [_at(0)], "symbol": "A", "bid": [10.0], "ofr": [10.2], "bidsiz": [3], "ofrsiz": [5]})
    trades = pl.DataFrame(
        {"ts": [_at(1), _at(2), _at(3), _at(4)], "symbol": "A", "price": [10.2, 10.1, 10.0, 10.1], "size": 100}
    )
    out = spreads.trade_spreads(trades, quotes)
    assert out["sign"].to_list() == [1, -1, -1, 1]  # 10.1 at the mid: down-tick then up-tick
    assert out["effective"][0] == pytest.approx(2 * 0.1 / 10.1)
    assert out["realized"][0] == pytest.approx(2 * 0.1 / 10.1)  # the mid has not moved


def test_roll_recovers_the_spread_of_a_roll_model() -> None:
    rng = np.random.default_rng(11)
    n, half = 200_000, 0.05
    value = 100 + np.cumsum(rng.normal(0, 0.01, n))
    price = value + half * rng.choice([-1, 1], n)
    assert spreads.roll_spread(price) == pytest.approx(2 * half, rel=0.03)


def test_corwin_schultz_by_hand() -> None:
    h, lo = np.array([10.2, 10.3]), np.array([10.0, 10.1])
    beta = math.log(10.2 / 10.0) ** 2 + math.log(10.3 / 10.1) ** 2
    gamma = math.log(10.3 / 10.0) ** 2
    k = 3 - 2 * math.sqrt(2)
    alpha = (math.sqrt(2 * beta) - math.sqrt(beta)) / k - math.sqrt(gamma / k)
    want = max(2 * (math.exp(alpha) - 1) / (1 + math.exp(alpha)), 0.0)
    assert spreads.corwin_schultz(h, lo)[0] == pytest.approx(want)


def test_lobster_depth_is_the_time_weighted_top_of_book() -> None:
    msg = pl.read_csv(require_shared_file("intraday", "LOBSTER_AMZN_2012-06-21_34200000_57600000_message_1.csv"))
    book = pl.read_csv(require_shared_file("intraday", "LOBSTER_AMZN_2012-06-21_34200000_57600000_orderbook_1.csv"))
    quotes = spreads.lobster_book(msg, book, day=dt.date(2012, 6, 21), symbol="AMZN")
    stats_ = spreads.quote_stats(quotes)
    w = stats_["duration"].to_numpy()
    got = float(np.sum(stats_["depth"].to_numpy() * w) / w.sum())
    t = msg["Time"].to_numpy()
    depth = (book["BestBidVolume"].to_numpy() + book["BestAskVolume"].to_numpy()) / 2
    dur = np.diff(t)
    assert got == pytest.approx(np.sum(depth[:-1] * dur) / dur.sum(), rel=1e-6)
    assert quotes["bid"][0] == 223.18 and quotes.height == 57515


def test_one_minute_bars_by_hand() -> None:
    trades = pl.DataFrame(
        {
            "ts": [_at(0.1), _at(0.5), _at(0.9), _at(1.2)],
            "symbol": "A",
            "price": [10.0, 10.4, 10.2, 10.3],
            "size": [100, 300, 100, 50],
        }
    )
    b = bars.time_bars(trades)
    row = b.row(0, named=True)
    assert (row["open"], row["high"], row["low"], row["close"], row["volume"], row["count"]) == (
        10.0,
        10.4,
        10.0,
        10.2,
        500.0,
        3,
    )
    assert row["vwap"] == pytest.approx((1000 + 3120 + 1020) / 500)
    assert b.height == 2


def test_vpin_command_buckets_real_trades_like_a_pandas_reference(tmp_path: Path) -> None:
    path = require_shared_file("intraday", "highfrequency_sampleTData.csv")
    out = StringIO()
    call_command("vpin", str(path), "--bucket-volume", "20000", "--window", "10", "--format", "json", stdout=out)
    got = json.loads(out.getvalue())
    t = pd.read_csv(path)
    t = t.assign(ts=pd.to_datetime(t["DT_NewYork"])).sort_values("ts", kind="stable")
    cum = t["SIZE"].astype(float).cumsum().to_numpy()
    ends = np.searchsorted(cum, 20000.0 * np.arange(1, int(cum[-1] // 20000) + 1), side="left")
    close = pd.Series(t["PRICE"].to_numpy()[ends], dtype=float)
    want = _mlfinlab_vpin(close, pd.Series(20000.0, index=close.index), 10)
    assert len(got["vpin"]) == len(close) > 30 and set(got["symbol"]) == {"XXX"}
    np.testing.assert_allclose(
        [np.nan if v is None else v for v in got["vpin"]], want.to_numpy(), rtol=1e-12, equal_nan=True
    )
    assert got["bucket_end"][0] == t["ts"].iloc[ends[0]].isoformat()
