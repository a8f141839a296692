"""PBO by CSCV and the deflated Sharpe ratio: hand cases, a published example, noise vs signal."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from backtests.analytics import overfitting as of


def column_mean(block: np.ndarray) -> np.ndarray:
    return block.mean(axis=0)


def test_pbo_hand_case_reversal_is_always_overfit() -> None:
    # blocks of 2 rows: strategy 0 wins the first half and loses the second, strategy 2 the reverse
    x = np.array([[1, 0, -1], [1, 0, -1], [-1, 0, 1], [-1, 0, 1]], dtype=float) * 0.01
    res = of.probability_of_backtest_overfitting(x, n_blocks=2, metric=column_mean)
    assert res.n_splits == 2
    # IS winner ranks 1st of 3 out of sample: w = 1/4, logit = log(1/3)
    np.testing.assert_allclose(res.logits, [np.log(1 / 3)] * 2, rtol=1e-15)
    assert res.pbo == 1.0 and res.prob_oos_loss == 1.0
    np.testing.assert_allclose(res.is_best, [0.01, 0.01])


def test_pbo_hand_case_persistent_winner_is_never_overfit() -> None:
    x = np.array([[3, 1, 2], [3, 2, 1], [4, 1, 2], [3, 2, 1]], dtype=float) * 0.01
    res = of.probability_of_backtest_overfitting(x, n_blocks=2, metric=column_mean)
    np.testing.assert_allclose(res.logits, [np.log(3)] * 2, rtol=1e-15)  # rank 3 of 3: w = 3/4
    assert res.pbo == 0.0


def test_pbo_is_about_one_half_for_pure_noise() -> None:
    x = np.random.default_rng(0).normal(0, 0.01, (1000, 40))
    res = of.probability_of_backtest_overfitting(x, n_blocks=10)
    assert res.n_splits == 252
    assert 0.3 < res.pbo < 0.7
    # with noise, in-sample luck is paid back out of sample (IS and OOS halves share the total)
    assert res.degradation_slope < 0
    assert res.degradation_slope == pytest.approx(np.polyfit(res.is_best, res.oos_of_best, 1)[0], rel=1e-10)


def test_pbo_is_low_with_one_dominant_true_signal() -> None:
    x = np.random.default_rng(1).normal(0, 0.01, (1000, 40))
    x[:, 17] += 0.002  # annualised Sharpe about 3.2
    res = of.probability_of_backtest_overfitting(x, n_blocks=10)
    assert res.pbo < 0.05


def test_pbo_rejects_bad_block_counts() -> None:
    with pytest.raises(ValueError, match="even"):
        of.probability_of_backtest_overfitting(np.zeros((100, 3)), n_blocks=5)


def test_deflated_sharpe_reproduces_the_papers_numerical_example() -> None:
    """Bailey & López de Prado (2014): N=100 trials, annualised V[SR]=1/2, best annualised SR=2.5,
    T=1250 daily observations, skewness -3, kurtosis 10 -> SR0 ≈ 0.1132 and DSR ≈ 0.9004."""
    days = 250  # the paper annualises with 250 days
    res = of.deflated_sharpe_ratio(
        2.5 / np.sqrt(days), n_trials=100, sr_variance=0.5 / days, n_obs=1250, skew=-3.0, kurtosis=10.0
    )
    assert res.sr0 == pytest.approx(0.1132, abs=5e-5)
    assert res.dsr == pytest.approx(0.9004, abs=5e-5)


def test_probabilistic_sharpe_ratio_by_hand() -> None:
    assert of.probabilistic_sharpe_ratio(0.1, benchmark=0.1, n_obs=50) == 0.5
    expected = stats.norm.cdf(0.1 * 10 / np.sqrt(1 + 2 / 4 * 0.01))
    assert of.probabilistic_sharpe_ratio(0.1, n_obs=101) == pytest.approx(expected, rel=1e-14)


def test_expected_max_sharpe_approximates_simulated_maxima() -> None:
    draws = np.random.default_rng(2).standard_normal((20000, 100)).max(axis=1)
    assert of.expected_max_sharpe(100, 1.0) == pytest.approx(draws.mean(), rel=0.02)
    assert of.expected_max_sharpe(1, 0.3) == 0.0


def test_deflated_sharpe_from_trials_noise_vs_signal() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.01, (750, 200))
    best = of.deflated_sharpe_from_trials(noise)
    # the best of 200 noise strategies looks significant on its own (PSR vs 0) but not once deflated
    assert of.probabilistic_sharpe_ratio(best.sharpe, n_obs=750) > 0.99
    assert best.dsr < 0.95
    signal = noise.copy()
    signal[:, 5] += 0.003
    res = of.deflated_sharpe_from_trials(signal)
    assert res.dsr > 0.99 and res.n_trials == 200 and res.n_obs == 750
