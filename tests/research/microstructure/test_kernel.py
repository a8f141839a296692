"""Realized kernel: a plain-Python reference of the BNHLS formula and a noisy simulation with known IV."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from research.analytics.microstructure import kernel


def _reference_rk(r: list[float], big_h: int) -> float:
    """BNHLS (2008) eq. with gamma_{-h} written out, Parzen weights by the textbook piecewise formula."""

    def k(x: float) -> float:
        if x <= 0.5:
            return 1 - 6 * x * x + 6 * x**3
        return 2 * (1 - x) ** 3 if x <= 1 else 0.0

    n = len(r)
    gamma = lambda h: sum(r[j] * r[j - abs(h)] for j in range(abs(h), n))  # noqa: E731
    return gamma(0) + sum(k(h / (big_h + 1)) * (gamma(h) + gamma(-h)) for h in range(1, big_h + 1))


def _trades(prices: np.ndarray, day: dt.date, symbol: str = "AAA") -> pl.DataFrame:
    start = dt.datetime.combine(day, dt.time(9, 30))
    ts = [start + dt.timedelta(seconds=i) for i in range(len(prices))]
    return pl.DataFrame({"ts": ts, "symbol": symbol, "price": prices}).with_columns(
        pl.col("ts").cast(pl.Datetime("us"))
    )


def test_parzen_weights_and_the_optimal_constant() -> None:
    assert pytest.approx(3.5134, abs=1e-4) == kernel.C_STAR  # BNHLS (2009) Table 1, Parzen
    np.testing.assert_allclose(kernel.parzen(np.array([0, 0.25, 0.5, 0.75, 1, 1.5])),
                               [1, 1 - 6 / 16 + 6 / 64, 0.25, 2 / 64, 0, 0])  # fmt: skip


def test_rk_matches_a_plain_python_reference() -> None:
    rng = np.random.default_rng(3)
    r = rng.normal(0, 1e-3, 200) + np.diff(rng.normal(0, 5e-4, 201))  # MA(1)-like noisy returns
    for big_h in (1, 4, 17, 60):
        assert kernel.realized_kernel_of(r, big_h) == pytest.approx(_reference_rk(list(r), big_h), rel=1e-12)
    n, rv_tick, iv = 200, float(r @ r), 1e-4
    xi2 = rv_tick / 400 / iv
    assert kernel.kernel_bandwidth(n, rv_tick, iv) == math.ceil(3.5134 * xi2**0.4 * 200**0.6 - 1e-9)


def test_rk_is_close_to_the_integrated_variance_under_noise_where_tick_rv_is_not() -> None:
    rng = np.random.default_rng(11)
    n, sigma, omega = 23_400, 0.01, 0.0005  # one trade a second, 1%/day volatility, 5 bps noise
    frames, iv = [], []
    for d in range(20):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=d)
        efficient = np.log(100) + np.cumsum(rng.normal(0, sigma / math.sqrt(n), n))
        frames.append(_trades(np.exp(efficient + rng.normal(0, omega, n)), day))
        iv.append({"symbol": "AAA", "date": day, "rv": sigma**2})  # the bandwidth's IV pilot
    trades = pl.concat(frames)
    out = kernel.realized_kernel(trades, pl.DataFrame(iv))
    assert out.height == 20 and out["rk_bandwidth"].min() > 50
    assert out["rk"].mean() == pytest.approx(sigma**2, rel=0.08)
    r = trades["price"].log().diff().drop_nulls().to_numpy()
    tick_rv = float(r @ r) / 20
    assert tick_rv > 50 * sigma**2  # 2 n omega² = 0.0117 swamps IV = 1e-4


def test_days_without_enough_returns_or_iv_are_null() -> None:
    day = dt.date(2024, 1, 2)
    trades = pl.concat([_trades(np.array([10.0, 10.1]), day), _trades(np.array([10.0, 10.1, 10.0, 10.2]), day, "BBB")])
    iv = pl.DataFrame({"symbol": ["AAA", "BBB"], "date": [day, day], "rv": [1e-4, None]})
    out = kernel.realized_kernel(trades, iv).sort("symbol")
    assert out["rk"].to_list() == [None, None]
