"""Built-in signals: hand-computed values, look-ahead safety, and an independent numpy loop."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from backtests.analytics.prepare import cap_weighted_benchmark, top_cap_universe
from backtests.analytics.signals import (
    DAYS_PER_MONTH,
    SIGNALS,
    SignalPanels,
    low_volatility,
    momentum_12_1,
    short_term_reversal,
    size,
)
from quant.periods import TRADING_DAYS_PER_YEAR


def panel(n_days: int = 300, n_names: int = 3, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pl.date_range(dt.date(2020, 1, 1), dt.date(2020, 1, 1) + dt.timedelta(days=n_days - 1), eager=True)
    rets = rng.normal(0.0005, 0.02, size=(n_days, n_names))
    return pl.DataFrame(
        {
            "date": dates.gather(np.repeat(np.arange(n_days), n_names)),
            "permno": np.tile(np.arange(1, n_names + 1), n_days),
            "ret": rets.ravel(),
        }
    )


def test_momentum_is_the_compounded_return_from_t_minus_251_to_t_minus_21() -> None:
    frame = panel()
    out = momentum_12_1(SignalPanels(frame)).filter(pl.col("permno") == 2).sort("date")
    r = frame.filter(pl.col("permno") == 2).sort("date")["ret"].to_numpy()
    t = 280
    expected = np.prod(1 + r[t - TRADING_DAYS_PER_YEAR + 1 : t - DAYS_PER_MONTH + 1]) - 1
    assert out["signal"][t] == pytest.approx(expected, rel=1e-12)
    # Too little history: null until 80% of the window is available.
    first = out["signal"].is_not_null().arg_true()[0]
    assert first == DAYS_PER_MONTH + int(0.8 * (TRADING_DAYS_PER_YEAR - DAYS_PER_MONTH)) - 1


def test_reversal_and_low_vol_match_a_numpy_loop() -> None:
    frame = panel(n_days=120)
    r = frame.filter(pl.col("permno") == 3).sort("date")["ret"].to_numpy()
    rev = short_term_reversal(SignalPanels(frame)).filter(pl.col("permno") == 3).sort("date")["signal"]
    vol = low_volatility(SignalPanels(frame)).filter(pl.col("permno") == 3).sort("date")["signal"]
    t = 100
    assert rev[t] == pytest.approx(1 - np.prod(1 + r[t - DAYS_PER_MONTH + 1 : t + 1]), rel=1e-12)
    assert vol[t] == pytest.approx(-np.std(r[t - 3 * DAYS_PER_MONTH + 1 : t + 1], ddof=1), rel=1e-12)


def test_signals_do_not_look_ahead() -> None:
    frame = panel()
    cutoff = frame["date"].unique().sort()[250]
    changed = frame.with_columns(
        ret=pl.when(pl.col("date") > cutoff).then(pl.col("ret") * -3 + 0.1).otherwise(pl.col("ret"))
    )
    for name in ("momentum_12_1", "reversal_1m", "low_vol"):
        before = SIGNALS[name].compute(SignalPanels(frame)).filter(pl.col("date") <= cutoff)
        after = SIGNALS[name].compute(SignalPanels(changed)).filter(pl.col("date") <= cutoff)
        assert before.sort("date", "permno").equals(after.sort("date", "permno")), name


def test_size_is_minus_log_cap_and_needs_caps() -> None:
    caps = pl.DataFrame({"date": [dt.date(2020, 1, 2)] * 2, "permno": [1, 2], "mktcap": [1e9, -5.0]})
    out = size(SignalPanels(panel(), mktcap=caps)).sort("permno")
    assert out["signal"][0] == pytest.approx(-np.log(1e9)) and out["signal"][1] is None
    assert not SIGNALS["size"].available(SignalPanels(panel()))
    assert not SIGNALS["value"].available(SignalPanels(panel(), mktcap=caps))


def test_top_cap_universe_and_cap_weighted_benchmark_by_hand() -> None:
    d1, d2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)
    caps = pl.DataFrame(
        {"date": [d1] * 3 + [d2] * 3, "permno": [1, 2, 3] * 2, "mktcap": [3.0, 1.0, 2.0, 1.0, 5.0, 2.0]}
    )
    uni = top_cap_universe(caps, 2).sort("date", "permno")
    assert uni.rows() == [(d1, 1), (d1, 3), (d2, 2), (d2, 3)]
    rets = pl.DataFrame({"date": [d1] * 3 + [d2] * 3, "permno": [1, 2, 3] * 2, "ret": [0.0, 0.0, 0.0, 0.1, -0.2, 0.05]})
    bench = cap_weighted_benchmark(rets, caps)
    # d2 weights are d1 caps 3:1:2 -> (3*0.1 + 1*-0.2 + 2*0.05) / 6
    assert bench.rows() == [(d2, pytest.approx((0.3 - 0.2 + 0.1) / 6))]
    ew = cap_weighted_benchmark(rets, None).sort("date")
    assert ew["return"].to_list() == pytest.approx([0.0, (0.1 - 0.2 + 0.05) / 3])
