"""Perold's implementation shortfall on textbook cases whose numbers are worked out by hand here."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from backtests.analytics.execution import (
    FillSpec,
    OrderSpec,
    implementation_shortfall,
    interval_benchmarks,
    slippage_bps,
    timing_profile,
)

# Buy 1,000 shares decided at $10.00; trading starts at $10.05; 600 filled at $10.10; the other 400
# are cancelled when the price is $10.30; $20 fees. Paper portfolio $10,000.
#   delay 600 x 0.05 = $30 (30 bps), execution 600 x 0.05 = $30, opportunity 400 x 0.30 = $120 (120 bps),
#   fees $20 (20 bps), total $200 = 200 bps; with beta 1.2 and a 1 % market move: 200 - 120 = 80 bps.
BUY = OrderSpec(id="b1", side="buy", shares=1000, decision_price=10.00, start_price=10.05,
                fills=(FillSpec(600, 10.10),), fees=20.0, end_price=10.30, market_return=0.01, beta=1.2)  # fmt: skip
# Sell 2,000 decided at $50.00; start $49.90; fills 1,000 @ $49.80 and 500 @ $49.70; 500 unfilled when
# the price is $49.50; $15 fees. Paper $100,000. Costs are positive for a sell when prices fall:
#   delay -(1,500 x -0.10) = $150, execution -(1,000 x -0.10 + 500 x -0.20) = $200,
#   opportunity -(500 x -0.50) = $250, fees $15, total $615 = 61.5 bps.
SELL = OrderSpec(id="s1", side="sell", shares=2000, decision_price=50.00, start_price=49.90,
                 fills=(FillSpec(1000, 49.80), FillSpec(500, 49.70)), fees=15.0, end_price=49.50)  # fmt: skip


def test_it_decomposes_a_partially_filled_buy():
    r = implementation_shortfall(BUY)
    assert r.paper_value == pytest.approx(10_000.0)
    assert (r.delay.usd, r.execution.usd, r.opportunity.usd, r.fees.usd) == pytest.approx((30.0, 30.0, 120.0, 20.0))
    assert (r.delay.bps, r.execution.bps, r.opportunity.bps, r.fees.bps) == pytest.approx((30.0, 30.0, 120.0, 20.0))
    assert r.total.usd == pytest.approx(200.0) and r.total.bps == pytest.approx(200.0)
    assert r.market_adjusted_bps == pytest.approx(80.0)
    assert r.fill_rate == pytest.approx(0.6)


def test_a_sell_into_a_falling_market_is_a_positive_cost():
    r = implementation_shortfall(SELL)
    assert r.paper_value == pytest.approx(100_000.0)
    assert (r.delay.usd, r.execution.usd, r.opportunity.usd, r.fees.usd) == pytest.approx((150.0, 200.0, 250.0, 15.0))
    assert r.total.usd == pytest.approx(615.0)
    assert r.total.bps == pytest.approx(61.5)
    assert r.market_adjusted_bps is None


def test_total_equals_paper_minus_real_portfolio():
    # Perold: shortfall = paper portfolio - real portfolio. For the sell, the paper portfolio is
    # 2,000 shares sold at the $50 decision price; the real one is the proceeds net of fees plus the
    # 500 unsold shares marked at the end price.
    r = implementation_shortfall(SELL)
    paper_proceeds = 2000 * 50.00
    real_value = 49_800 + 24_850 - 15 + 500 * 49.50
    assert r.total.usd == pytest.approx(paper_proceeds - real_value)


def test_a_fully_filled_order_at_the_decision_price_costs_only_its_fees():
    r = implementation_shortfall(OrderSpec(id="x", side="buy", shares=100, decision_price=20.0,
                                           fills=(FillSpec(100, 20.0),), fees=1.0))  # fmt: skip
    assert (r.delay.usd, r.execution.usd, r.opportunity.usd) == (0.0, 0.0, 0.0)
    assert r.total.bps == pytest.approx(1.0 / 2000.0 * 1e4)


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (OrderSpec(id="a", side="hold", shares=1, decision_price=1), "side"),
        (OrderSpec(id="a", side="buy", shares=0, decision_price=1), "positive"),
        (OrderSpec(id="a", side="buy", shares=10, decision_price=1, fills=(FillSpec(11, 1),)), "exceed"),
        (OrderSpec(id="a", side="buy", shares=10, decision_price=1, fills=(FillSpec(5, 1),)), "end_price"),
    ],
)
def test_it_refuses_malformed_orders(order, message):
    with pytest.raises(ValueError, match=message):
        implementation_shortfall(order)


def test_interval_benchmarks_and_slippage():
    t = [dt.datetime(2024, 1, 2, 9, 30 + i) for i in range(4)]
    bars = pl.DataFrame({"ts": t, "close": [10.0, 10.2, 10.4, 10.6], "volume": [100.0, 300.0, 100.0, 0.0]})
    arrival, vwap, twap = interval_benchmarks(bars, start=t[1], end=t[3])
    assert arrival == 10.2
    assert vwap == pytest.approx((10.2 * 300 + 10.4 * 100) / 400)  # 10.25
    assert twap == pytest.approx((10.2 + 10.4 + 10.6) / 3)
    assert slippage_bps(10.30, 10.25, "buy") == pytest.approx(0.05 / 10.25 * 1e4)
    assert slippage_bps(10.30, 10.25, "sell") == pytest.approx(-0.05 / 10.25 * 1e4)


def test_timing_ranks_the_cheap_half_hours_first():
    # two buckets with the same volatility: the one with twice the volume share and half the spread wins
    intraday = pl.DataFrame({
        "symbol": ["A", "A"], "date": [dt.date(2024, 1, 2)] * 2, "bucket": ["09:30", "15:30"],
        "volume_share": [0.05, 0.10], "abs_ret": [0.001, 0.001], "rel_spread": [0.002, 0.001],
    })  # fmt: skip
    out = timing_profile(intraday, size_share=0.01)
    sigma = 0.001 * (3.141592653589793 / 2) ** 0.5 * 30**0.5
    late = out.filter(pl.col("bucket") == "15:30").row(0, named=True)
    assert late["rank"] == 1
    assert late["cost_bps"] == pytest.approx((0.0005 + sigma * (0.01 / 0.10) ** 0.5) * 1e4)
