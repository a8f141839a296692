"""Monte Carlo resampling: reproducibility, coverage, unbiasedness, exact invariants."""

from __future__ import annotations

import numpy as np
import pytest

from backtests.analytics import metrics as m
from backtests.analytics import montecarlo as mc


def test_reproducible_with_a_seed_and_different_across_seeds() -> None:
    r = np.random.default_rng(1).normal(0.0005, 0.01, 400)
    a = mc.monte_carlo(r, n_sims=200, seed=7)
    b = mc.monte_carlo(r, n_sims=200, seed=7)
    c = mc.monte_carlo(r, n_sims=200, seed=8)
    np.testing.assert_array_equal(a.sharpe, b.sharpe)
    np.testing.assert_array_equal(a.max_drawdown, b.max_drawdown)
    assert not np.array_equal(a.sharpe, c.sharpe)
    assert a.sharpe_ci.estimate == pytest.approx(m.sharpe_ratio(r, periods_per_year=252))
    assert a.cagr_ci.lower < a.cagr_ci.estimate < a.cagr_ci.upper
    assert a.max_drawdown_ci.lower < a.max_drawdown_ci.upper <= 0


def test_sharpe_interval_covers_the_true_sharpe_for_iid_normal_returns() -> None:
    mu, sigma, n, reps = 0.0006, 0.01, 500, 60
    true_sharpe = mu / sigma * np.sqrt(252)
    rng = np.random.default_rng(2024)
    covered = 0
    for _ in range(reps):
        r = rng.normal(mu, sigma, n)
        ci = mc.monte_carlo(r, n_sims=300, method="iid", confidence=0.9, seed=rng).sharpe_ci
        covered += ci.lower <= true_sharpe <= ci.upper
    # nominal 90 %; a binomial(60, .9) falls in [46, 60] with probability > 0.999
    assert covered >= 46


def test_block_bootstrap_preserves_the_mean() -> None:
    rng = np.random.default_rng(3)
    r = np.cumsum(rng.normal(0, 0.01, 250)) * 0.01 + rng.normal(0.001, 0.01, 250)  # autocorrelated
    for method in ("block", "stationary"):
        paths = mc.resample_returns(r, n_sims=4000, method=method, block=20, seed=11)
        means = paths.mean(axis=1)
        assert abs(means.mean() - r.mean()) < 4 * means.std(ddof=1) / np.sqrt(means.size), method


def test_block_indices_are_contiguous_circular_blocks() -> None:
    idx = mc.block_bootstrap_indices(10, 3, block=4, seed=0)
    assert idx.shape == (3, 10)
    for row in idx:
        for start in (0, 4):
            block = row[start : start + 4]
            assert np.array_equal(block, (block[0] + np.arange(4)) % 10)
    st = mc.stationary_bootstrap_indices(50, 200, mean_block=5, seed=0)
    breaks = (np.diff(st, axis=1) % 50 != 1).mean()
    assert breaks == pytest.approx(1 / 5, abs=0.03)  # a new block w.p. 1/mean_block (rarely the same index)


def test_shuffle_keeps_cagr_and_sharpe_but_not_drawdown() -> None:
    r = np.random.default_rng(4).normal(0.0004, 0.012, 300)
    res = mc.monte_carlo(r, n_sims=100, method="shuffle", seed=5)
    np.testing.assert_allclose(res.cagr, m.annual_return(r), rtol=1e-10)
    np.testing.assert_allclose(res.sharpe, m.sharpe_ratio(r), rtol=1e-10)
    assert res.max_drawdown.std() > 0.005


def test_trade_bootstrap_and_fan_chart_quantiles() -> None:
    trades = mc.bootstrap_trades([0.10, -0.05, None], n_sims=500, n_trades=4, seed=9)
    assert trades.shape == (500, 4) and set(np.unique(trades)) == {-0.05, 0.10}
    final = mc.equity_paths(trades)[:, -1]
    possible = {round(1.1**k * 0.95 ** (4 - k), 12) for k in range(5)}
    assert set(np.round(final, 12)) <= possible
    fan = mc.fan_chart(trades)
    assert fan.columns == ["step", "q05", "q25", "q50", "q75", "q95"]
    assert fan["q50"][0] == 1.0
    assert fan["q95"][4] == pytest.approx(np.quantile(final, 0.95))
    assert (fan["q05"] <= fan["q50"]).all() and (fan["q50"] <= fan["q95"]).all()


def test_holding_period_returns_compound_each_period_from_its_rebalance() -> None:
    r = np.array([0.5, 0.10, -0.05, 0.02, np.nan, 0.03])
    starts = np.array([False, True, False, True, False, False])  # the first row precedes any position
    got = mc.holding_period_returns(r, starts)
    np.testing.assert_allclose(got, [1.10 * 0.95 - 1.0, 1.02 * 1.03 - 1.0])
    assert mc.holding_period_returns(r, np.zeros(6, dtype=bool)).size == 0
    with pytest.raises(ValueError, match="one flag per return"):
        mc.holding_period_returns(r, starts[:3])


def test_score_paths_is_what_monte_carlo_reports_for_the_same_paths() -> None:
    r = np.random.default_rng(3).normal(0.0005, 0.01, 300)
    paths = mc.resample_returns(r, n_sims=150, method="stationary", block=5, seed=9)
    scored = mc.score_paths(r, paths, method="stationary")
    direct = mc.monte_carlo(r, n_sims=150, method="stationary", block=5, seed=9)
    np.testing.assert_allclose(scored.sharpe, direct.sharpe)
    assert scored.max_drawdown_ci == direct.max_drawdown_ci and scored.n_sims == 150


def test_trade_bootstrap_paths_score_at_the_trade_frequency() -> None:
    trades = np.array([0.04, -0.02, 0.03, 0.01, -0.01, 0.02])
    paths = mc.bootstrap_trades(trades, n_sims=400, seed=1)
    result = mc.score_paths(trades, paths, periods_per_year=12, method="trades")
    assert paths.shape == (400, 6)
    assert result.cagr_ci.estimate == pytest.approx(np.prod(1 + trades) ** (12 / 6) - 1)
    assert result.cagr_ci.lower < result.cagr_ci.estimate < result.cagr_ci.upper
