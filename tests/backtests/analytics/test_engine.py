"""The pure backtest engine: a hand-computed example, exits, costs, the optimizer hook,
look-ahead safety and a cross-check against an independent numpy loop."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy.optimize import brentq

from backtests.analytics.costs import CostModel
from backtests.analytics.engine import Panels, Strategy, run_backtest
from backtests.analytics.schedule import rebalance_dates
from backtests.analytics.weighting import decile_long_short
from quant.calendars import sessions

D = [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4), dt.date(2024, 1, 5), dt.date(2024, 1, 8)]
TARGET = {1: 0.5, 2: 0.3, 3: 0.2}


def long_frame(rows: dict[dt.date, dict[int, float]], value: str) -> pl.DataFrame:
    data = [(d, p, v) for d, row in rows.items() for p, v in row.items()]
    return pl.DataFrame(data, schema={"date": pl.Date, "permno": pl.Int64, value: pl.Float64}, orient="row")


def three_stock_returns() -> pl.DataFrame:
    return long_frame(
        {
            D[0]: {1: 0.01, 2: 0.01, 3: 0.01},
            D[1]: {1: 0.10, 2: -0.10, 3: 0.0},
            D[2]: {1: 0.0, 2: 0.10, 3: -0.05},
            D[3]: {1: 0.02, 2: 0.02, 3: 0.02},
        },
        "ret",
    )


def test_three_stock_example_by_hand() -> None:
    targets = long_frame({D[0]: TARGET, D[2]: TARGET}, "weight")
    res = run_backtest(
        Panels(three_stock_returns()),
        Strategy(schedule="daily", target_weights=targets),
        CostModel(commission_bps=10),
    )
    # d1: buying (.5, .3, .2) of the post-cost NAV from cash costs c = 1e-3 (1 - c), so c = 1e-3 / 1.001.
    cost1 = 1e-3 / 1.001
    # d3: drifted book is (.55, .297, .19)/1.037; trades target (1 - c) - w: name 1 sells, 2 and 3 buy, and
    # the targets of the sold and bought names sum to the same .5, so c = 1e-3 * .063/1.037 exactly.
    trade3 = 0.063 / 1.037
    gross3 = 0.017 / 1.02
    expected = pl.DataFrame(
        {
            "date": D[:4],
            "gross_return": [0.0, 0.02, gross3, 0.02],
            "net_return": [-cost1, 0.02, (1 + gross3) * (1 - trade3 * 1e-3) - 1, 0.02],
            "cost": [cost1, 0.0, trade3 * 1e-3, 0.0],
            "turnover": [0.5 * (1 - cost1), 0.0, trade3 / 2, 0.0],
        }
    )
    assert_frame_equal(res.daily.select(expected.columns), expected, abs_tol=1e-15, check_exact=False)
    nav = (1 - cost1) * 1.02 * (1.037 / 1.02) * (1 - trade3 * 1e-3) * 1.02
    assert res.daily["nav"][-1] == pytest.approx(nav, abs=1e-15)
    d2 = res.positions.filter(pl.col("date") == D[1]).sort("permno")["weight"].to_list()
    assert d2 == pytest.approx([0.55 / 1.02, 0.27 / 1.02, 0.2 / 1.02], abs=1e-15)
    d3_trades = res.trades.filter(pl.col("date") == D[2]).sort("permno")["trade"].to_list()
    keep = 1 - trade3 * 1e-3
    expected3 = [0.5 * keep - 0.55 / 1.037, 0.3 * keep - 0.297 / 1.037, 0.2 * keep - 0.19 / 1.037]
    assert d3_trades == pytest.approx(expected3, abs=1e-15)


def test_delisted_name_is_liquidated_at_its_last_return() -> None:
    rets = three_stock_returns().filter(~((pl.col("permno") == 3) & (pl.col("date") == D[3])))
    res = run_backtest(Panels(rets), Strategy(schedule="daily", target_weights=long_frame({D[0]: TARGET}, "weight")))
    gross4 = (0.55 * 0.02 + 0.297 * 0.02) / 1.037
    assert res.daily["gross_return"][3] == pytest.approx(gross4, abs=1e-15)
    delist = res.trades.filter(pl.col("reason") == "delisted")
    assert delist["permno"].to_list() == [3] and delist["date"].to_list() == [D[3]]
    # the cash it became is a smaller fraction of the NAV once the others earned gross4
    assert delist["trade"][0] == pytest.approx(-0.19 / 1.037 / (1 + gross4), abs=1e-15)
    assert delist["cost"][0] == 0.0
    assert res.daily["turnover"][3] == 0.0 and res.daily["n_positions"][3] == 2


def test_name_leaving_the_universe_is_sold_with_costs() -> None:
    universe = three_stock_returns().filter(~((pl.col("permno") == 2) & (pl.col("date") >= D[2]))).drop("ret")
    res = run_backtest(
        Panels(three_stock_returns(), universe=universe),
        Strategy(schedule="daily", target_weights=long_frame({D[0]: TARGET}, "weight")),
        CostModel(half_spread_bps=20),
    )
    exit_ = res.trades.filter(pl.col("reason") == "universe_exit")
    assert exit_["permno"].to_list() == [2] and exit_["date"].to_list() == [D[2]]
    assert exit_["cost"][0] == pytest.approx(0.297 / 1.037 * 20e-4, abs=1e-15)
    # the kept names sell cost x weight to pay for it: c = k (w2 + c (w1 + w3))
    c = 20e-4 * (0.297 / 1.037) / (1 - 20e-4 * (0.55 + 0.19) / 1.037)
    assert res.daily["cost"][2] == pytest.approx(c, abs=1e-15)
    funding = res.trades.filter((pl.col("reason") == "cost_funding") & (pl.col("date") == D[2])).sort("permno")
    assert funding["permno"].to_list() == [1, 3]
    assert funding["trade"].to_list() == pytest.approx([-c * 0.55 / 1.037, -c * 0.19 / 1.037], abs=1e-15)
    assert res.positions.filter((pl.col("date") == D[3]) & (pl.col("permno") == 2)).height == 0


def test_costs_commission_spread_and_square_root_impact_by_hand() -> None:
    rets = long_frame({D[0]: {7: 0.0}, D[1]: {7: 0.01}}, "ret")
    adv = long_frame({D[0]: {7: 1e6}}, "adv").with_columns(sigma=pl.lit(0.02))
    spread = long_frame({D[0]: {7: 5.0}}, "half_spread_bps")
    res = run_backtest(
        Panels(rets, adv=adv, spread=spread),
        Strategy(schedule="daily", target_weights=long_frame({D[0]: {7: 0.5}}, "weight")),
        CostModel(commission_bps=1, half_spread_bps=50, impact_k=0.1, capital=1e6),
    )

    def cost_of(size: float) -> float:
        return size * 1e-4 + size * 5e-4 + size * 0.1 * 0.02 * np.sqrt(size * 1e6 / 1e6)

    # sized on the post-cost NAV: the trade is .5 (1 - c) and c is its cost (scipy's root finder)
    c = brentq(lambda c: c - cost_of(0.5 * (1 - c)), 0.0, 0.5, xtol=1e-18)
    assert res.daily["cost"][0] == pytest.approx(c, abs=1e-15)
    assert res.trades["trade"][0] == pytest.approx(0.5 * (1 - c), abs=1e-15)
    assert res.n_trades_without_impact == 0


def test_impact_uses_trailing_sigma_when_no_sigma_panel() -> None:
    r = [0.01, -0.02, 0.03, 0.0]
    rets = long_frame({d: {7: x} for d, x in zip(D[:4], r, strict=True)}, "ret")
    adv = long_frame({d: {7: 4e6} for d in D[:4]}, "adv")
    res = run_backtest(
        Panels(rets, adv=adv),
        Strategy(schedule="daily", target_weights=long_frame({D[2]: {7: 1.0}}, "weight")),
        CostModel(impact_k=1.0, capital=1e6, sigma_window=3),
    )
    sigma = np.std(r[:3], ddof=1)
    c = brentq(lambda c: c - (1 - c) * sigma * np.sqrt((1 - c) * 1e6 / 4e6), 0.0, 0.5, xtol=1e-18)
    assert res.daily["cost"][2] == pytest.approx(c, abs=1e-15)


def test_optimizer_hook_sees_eligible_alpha_and_drifted_weights() -> None:
    calls: list[tuple[dt.date, pl.DataFrame, pl.DataFrame]] = []

    def optimizer(date: dt.date, alpha: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
        calls.append((date, alpha, current))
        return alpha.select("permno", (pl.col("alpha") / pl.col("alpha").abs().sum()).alias("weight"))

    signal = long_frame({d: {1: 3.0, 2: 1.0, 3: -1.0} for d in D[:4]}, "signal")
    res = run_backtest(Panels(three_stock_returns()), Strategy(schedule="daily", signal=signal, optimizer=optimizer))
    assert [c[0] for c in calls] == D[:3]  # the final date never rebalances
    assert calls[0][2].height == 0
    assert calls[1][2].sort("permno")["weight"].to_list() == pytest.approx(
        [0.6 * 1.1 / 1.04, 0.2 * 0.9 / 1.04, -0.2 / 1.04], abs=1e-15
    )
    day0 = res.positions.filter(pl.col("date") == D[0]).sort("permno")["weight"].to_list()
    assert day0 == pytest.approx([0.6, 0.2, -0.2], abs=1e-15)


def random_panel(seed: int, n_days: int = 300, n_names: int = 60) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    dates = sessions(dt.date(2022, 1, 1), dt.date(2023, 12, 31))[:n_days]
    ret = rng.normal(0.0003, 0.02, (n_days, n_names))
    sig = rng.normal(size=(n_days, n_names))
    permnos = np.arange(10001, 10001 + n_names)
    grid = pl.DataFrame({"date": np.repeat(dates.to_numpy(), n_names), "permno": np.tile(permnos, n_days)})
    returns = grid.with_columns(ret=ret.ravel())
    signal = grid.with_columns(signal=sig.ravel())
    return returns, signal, dates.to_numpy()


def reference_loop(ret: np.ndarray, sig: np.ndarray, dates: np.ndarray, commission_bps: float) -> np.ndarray:
    """Independent simple implementation: month-end decile long-short, drift, commission."""
    n_days, n_names = ret.shape
    months = dates.astype("datetime64[M]")
    rebalance = np.zeros(n_days, dtype=bool)
    rebalance[:-1] = months[:-1] != months[1:]
    k = n_names // 10
    w = np.zeros(n_names)
    net = np.zeros(n_days)
    for t in range(n_days):
        g = w @ ret[t]
        w = w * (1 + ret[t]) / (1 + g)
        cost = 0.0
        if rebalance[t]:
            order = np.argsort(sig[t], kind="stable")
            target = np.zeros(n_names)
            target[order[-k:]] = 1.0 / k
            target[order[:k]] = -1.0 / k
            rate = commission_bps / 1e4

            # sized on the post-cost NAV: the cost c of trading to target (1 - c) (scipy's root finder)
            def excess(c: float, target: np.ndarray = target, w: np.ndarray = w, rate: float = rate) -> float:
                return c - rate * float(np.abs(target * (1 - c) - w).sum())

            cost = brentq(excess, 0.0, 0.5, xtol=1e-18)
            w = target
        net[t] = (1 + g) * (1 - cost) - 1
    return net


def test_monthly_decile_long_short_matches_independent_numpy_loop() -> None:
    returns, signal, dates = random_panel(42)
    res = run_backtest(
        Panels(returns),
        Strategy(schedule="monthly", signal=signal, weighting=decile_long_short),
        CostModel(commission_bps=5),
    )
    ret = returns["ret"].to_numpy().reshape(len(dates), -1)
    sig = signal["signal"].to_numpy().reshape(len(dates), -1)
    expected = reference_loop(ret, sig, dates, 5.0)
    np.testing.assert_allclose(res.daily["net_return"].to_numpy(), expected, rtol=0, atol=1e-10)
    assert res.daily["n_positions"].max() == 12
    assert (res.trades["reason"] == "rebalance").all()


def test_no_look_ahead_changing_the_future_leaves_the_past_unchanged() -> None:
    returns, signal, dates = random_panel(5)
    cut = dates[150]
    strategy = Strategy(schedule="weekly", signal=signal, weighting=decile_long_short)
    costs = CostModel(commission_bps=2, half_spread_bps=3, impact_k=0.1, capital=1e7)
    adv = returns.select("date", "permno").with_columns(adv=pl.lit(5e7))
    base = run_backtest(Panels(returns, adv=adv), strategy, costs)
    rng = np.random.default_rng(99)
    future = pl.col("date") > pl.lit(cut).cast(pl.Date)
    shocked_returns = returns.with_columns(
        ret=pl.when(future).then(pl.Series(rng.normal(0, 0.2, returns.height))).otherwise(pl.col("ret"))
    )
    shocked_signal = signal.with_columns(signal=pl.when(future).then(-pl.col("signal")).otherwise(pl.col("signal")))
    shocked = run_backtest(
        Panels(shocked_returns, adv=adv),
        Strategy(schedule="weekly", signal=shocked_signal, weighting=decile_long_short),
        costs,
    )
    past = pl.col("date") <= pl.lit(cut).cast(pl.Date)
    assert_frame_equal(base.positions.filter(past), shocked.positions.filter(past))
    assert_frame_equal(base.daily.filter(past), shocked.daily.filter(past))
    assert not base.daily.filter(~past).equals(shocked.daily.filter(~past))


def test_monthly_schedule_is_last_session_of_each_month_except_the_final_date() -> None:
    days = sessions(dt.date(2024, 1, 1), dt.date(2024, 4, 15))
    got = rebalance_dates(days, "monthly").to_list()
    assert got == [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 28)]  # Mar 29: Good Friday
    assert rebalance_dates(days, "quarterly").to_list() == [dt.date(2024, 3, 28)]
    weekly = rebalance_dates(days, "weekly").to_list()
    assert weekly[:2] == [dt.date(2024, 1, 5), dt.date(2024, 1, 12)]


def test_benchmark_series_is_joined_and_inputs_validated() -> None:
    bench = pl.DataFrame({"date": D[:4], "return": [0.0, 0.01, 0.02, 0.03]})
    res = run_backtest(
        Panels(three_stock_returns(), benchmark=bench),
        Strategy(schedule="daily", target_weights=long_frame({D[0]: TARGET}, "weight")),
    )
    assert res.daily["benchmark"].to_list() == [0.0, 0.01, 0.02, 0.03]
    with pytest.raises(ValueError, match="exactly one"):
        Strategy()
    dup = pl.concat([three_stock_returns(), three_stock_returns().head(1)])
    with pytest.raises(ValueError, match="duplicated"):
        run_backtest(Panels(dup), Strategy(target_weights=long_frame({D[0]: TARGET}, "weight")))
