"""FIFO round trips and win/loss statistics against numbers worked out by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from backtests.analytics.blend import blend_returns, common_returns, correlation_matrix, pooled_returns, rolling_metric
from backtests.analytics.journal import holding_histogram, round_trips, trade_stats

D = dt.date


def _fills(rows: list[tuple]) -> pl.DataFrame:
    cols = ["fill_id", "strategy_id", "symbol", "side", "quantity", "price", "fees", "trade_date"]
    return pl.DataFrame(rows, schema=cols, orient="row")


# buy 100 @ 10 (fee 1), buy 100 @ 12 (fee 1), sell 150 @ 15 (fee 1.5), sell 100 @ 9 (flip to short 50),
# buy 50 @ 8 (covers the short); a second symbol closes one loser.
FILLS = _fills([
    (1, 1, "AAA", "buy", 100.0, 10.0, 1.0, D(2024, 1, 2)),
    (2, 1, "AAA", "buy", 100.0, 12.0, 1.0, D(2024, 1, 5)),
    (3, 1, "AAA", "sell", 150.0, 15.0, 1.5, D(2024, 1, 12)),
    (4, 1, "AAA", "sell", 100.0, 9.0, 0.0, D(2024, 2, 1)),
    (5, 1, "AAA", "buy", 50.0, 8.0, 0.0, D(2024, 2, 1)),
    (6, 1, "BBB", "buy", 10.0, 100.0, 0.0, D(2024, 3, 1)),
    (7, 1, "BBB", "sell", 10.0, 95.0, 0.0, D(2024, 3, 4)),
])  # fmt: skip


def test_fifo_round_trips_by_hand() -> None:
    trips = round_trips(FILLS)
    got = trips.select("symbol", "direction", "entry_fill_id", "exit_fill_id", "quantity", "pnl", "holding_days").rows()
    assert got[:4] == [
        ("AAA", "long", 1, 3, 100.0, pytest.approx(100 * 5 - 100 * 0.01 - 100 * 0.01), 10),  # 498
        ("AAA", "long", 2, 3, 50.0, pytest.approx(50 * 3 - 50 * 0.01 - 50 * 0.01), 7),  # 149
        ("AAA", "long", 2, 4, 50.0, pytest.approx(50 * -3 - 50 * 0.01), 27),  # -150.5
        ("AAA", "short", 4, 5, 50.0, pytest.approx(50.0), 0),  # short 50 @ 9 covered @ 8
    ]
    assert got[4] == ("BBB", "long", 6, 7, 10.0, pytest.approx(-50.0), 3)
    short = trips.row(3, named=True)
    assert short["return"] == pytest.approx(50.0 / (50 * 9.0))
    assert trips.row(0, named=True)["return"] == pytest.approx(498.0 / 1000.0)
    assert trips["fees"].sum() == pytest.approx(3.5)  # every fee allocated once


def test_open_lots_are_not_round_trips_and_order_of_rows_does_not_matter() -> None:
    full = round_trips(FILLS.sample(fraction=1.0, shuffle=True, seed=2))
    assert full.equals(round_trips(FILLS))
    assert round_trips(FILLS.head(2)).height == 0  # two buys: only open lots


def test_bad_fills_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        round_trips(_fills([(1, 1, "A", "buy", 0.0, 10.0, 0.0, D(2024, 1, 2))]))
    with pytest.raises(ValueError, match="lack column"):
        round_trips(FILLS.drop("fees"))


def test_trade_stats_by_hand() -> None:
    stats = trade_stats(round_trips(FILLS))
    pnl = [498.0, 149.0, -150.5, 50.0, -50.0]
    assert stats.n_trades == 5 and stats.n_winners == 3 and stats.n_losers == 2
    assert stats.hit_rate == pytest.approx(0.6)
    assert stats.average_win == pytest.approx((498 + 149 + 50) / 3)
    assert stats.average_loss == pytest.approx((-150.5 - 50) / 2)
    assert stats.payoff_ratio == pytest.approx(((498 + 149 + 50) / 3) / 100.25)
    assert stats.expectancy == pytest.approx(sum(pnl) / 5)
    # expectancy = hit * avg win + (1 - hit) * avg loss when no trade is flat
    assert stats.expectancy == pytest.approx(0.6 * stats.average_win + 0.4 * stats.average_loss)
    assert stats.median_holding_days == 7.0
    counts = {b["label"]: b["count"] for b in stats.holding_histogram}
    assert counts == {"same day": 1, "1 d": 0, "2–5 d": 1, "6–21 d": 2, "22–63 d": 1, "64–126 d": 0,
                      "127–252 d": 0, "> 252 d": 0}  # fmt: skip


def test_empty_journal_stats_are_nan_not_errors() -> None:
    stats = trade_stats(round_trips(FILLS.head(0)))
    assert stats.n_trades == 0 and np.isnan(stats.hit_rate) and np.isnan(stats.payoff_ratio)
    assert sum(b["count"] for b in holding_histogram(np.array([400]))) == 1


def test_blend_correlation_and_rolling_against_numpy() -> None:
    rng = np.random.default_rng(0)
    dates = [D(2024, 1, 1) + dt.timedelta(days=i) for i in range(300)]
    a, b = rng.normal(0, 0.01, 300), rng.normal(0, 0.02, 300)
    fa = pl.DataFrame({"date": dates, "return": a})
    fb = pl.DataFrame({"date": dates[50:], "return": b[50:]})  # b starts later
    wide = common_returns({"a": fa, "b": fb})
    assert wide.height == 250 and wide["date"][0] == dates[50]
    corr = correlation_matrix(wide)
    assert corr[0][1] == pytest.approx(np.corrcoef(a[50:], b[50:])[0, 1]) and corr[0][0] == pytest.approx(1.0)
    mix = blend_returns(wide, {"a": 0.6, "b": 0.3})
    np.testing.assert_allclose(mix["return"].to_numpy(), 0.6 * a[50:] + 0.3 * b[50:])
    vol = rolling_metric(a, 21, "volatility")
    assert np.isnan(vol[19]) and vol[20] == pytest.approx(np.std(a[:21], ddof=1) * np.sqrt(252))
    sharpe = rolling_metric(a, 21, "sharpe")
    assert sharpe[-1] == pytest.approx(a[-21:].mean() / a[-21:].std(ddof=1) * np.sqrt(252))
    with pytest.raises(ValueError, match="no returns"):
        blend_returns(wide, {"c": 1.0})


def test_pooled_returns_treat_new_capital_as_a_flow() -> None:
    snaps = pl.DataFrame({
        "strategy_id": [1, 1, 1, 2, 2],
        "date": [D(2024, 1, 2), D(2024, 1, 3), D(2024, 1, 4), D(2024, 1, 3), D(2024, 1, 4)],
        "equity": [100.0, 110.0, 99.0, 50.0, 55.0],
        "contributed": [100.0, 100.0, 100.0, 50.0, 50.0],
    })  # fmt: skip
    pooled = pooled_returns(snaps)
    assert pooled["date"].to_list() == [D(2024, 1, 3), D(2024, 1, 4)]
    # day 2: book 1 +10 on 100, book 2 arrives with its capital (no gain); day 3: (-11 + 5) / (110 + 50)
    assert pooled["return"].to_list() == pytest.approx([0.10, -6.0 / 160.0])
