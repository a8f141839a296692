"""Hand-checked pieces of the model build: alignment, GLS weights, equal-weighted R², bias table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from risk.analytics.bias import bias_statistic
from risk.analytics.covariance import predicted_volatility_path
from risk.services.model_build import _regression_frame as regression_frame
from risk.services.model_build import bias_table, equal_weighted_r2, gls_weights

D = dt.date


def test_returns_use_the_exposures_formed_before_the_session() -> None:
    exposures = pl.DataFrame(
        {"date": [D(2024, 1, 31), D(2024, 2, 29)], "permno": [1, 1], "mktcap": [1.0, 2.0], "size": [0.1, 0.2]}
    )
    returns = pl.DataFrame(
        {
            "permno": [1, 1, 1, 1],
            "date": [D(2024, 1, 31), D(2024, 2, 1), D(2024, 2, 29), D(2024, 3, 1)],
            "excess_ret": [0.01, 0.02, 0.03, 0.04],
        }
    )
    out = regression_frame(exposures, returns)
    # Jan 31's own return has no earlier formation; Feb 29's return still uses January's exposures.
    assert out["date"].to_list() == [D(2024, 2, 1), D(2024, 2, 29), D(2024, 3, 1)]
    assert out["formation"].to_list() == [D(2024, 1, 31), D(2024, 1, 31), D(2024, 2, 29)]
    assert out["size"].to_list() == [0.1, 0.1, 0.2]


def test_gls_weights_are_inverse_trailing_variances_known_before_the_date() -> None:
    days = [D(2024, 1, d) for d in (2, 3, 4, 5)]
    residuals = pl.DataFrame(
        {
            "date": days * 2,
            "permno": [1] * 4 + [2] * 4,
            "resid": [0.01, 0.03, 0.02, 0.5, 0.02, 0.02, 0.02, 0.02],
        }
    )
    w = gls_weights(residuals, half_life=1.0, min_obs=2).sort("permno", "date")
    # permno 1 on day 4: EWMA (half-life 1, adjusted) of 0.01², 0.03² = (0.5·1e-4 + 9e-4) / 1.5
    s2_1 = (0.5 * 0.01**2 + 0.03**2) / 1.5
    s2_2 = 0.02**2
    day4 = w.filter(pl.col("date") == days[2]).sort("permno")
    assert day4["weight"].to_list() == pytest.approx([1 / s2_1, 1 / s2_2])  # both within [¼, 4] × median
    # days 2-3: nobody has 2 earlier residuals → the date median is null → the row is dropped later
    assert w.filter(pl.col("date") <= days[1])["weight"].null_count() == 4
    # day 5 ignores its own 0.5 residual
    day5 = w.filter((pl.col("date") == days[3]) & (pl.col("permno") == 1))["weight"].item()
    s2_day5 = (0.25 * 0.01**2 + 0.5 * 0.03**2 + 0.02**2) / 1.75
    assert day5 == pytest.approx(1 / s2_day5)


def test_gls_weights_clip_outlying_variances_to_four_times_the_median() -> None:
    days = [D(2024, 1, d) for d in (2, 3, 4)]
    resid = [0.01, 0.01, 0.0] + [0.01, 0.01, 0.0] + [1.0, 1.0, 0.0]
    residuals = pl.DataFrame({"date": days * 3, "permno": [1] * 3 + [2] * 3 + [3] * 3, "resid": resid})
    day3 = gls_weights(residuals, half_life=1.0, min_obs=2).filter(pl.col("date") == days[2]).sort("permno")
    # variances 1e-4, 1e-4, 1.0 → median 1e-4 → the loud name is clipped to 4e-4
    assert day3["weight"].to_list() == pytest.approx([1e4, 1e4, 1 / 4e-4])


def test_equal_weighted_r2_is_one_minus_rss_over_tss() -> None:
    frame = pl.DataFrame({"date": [D(2024, 1, 2)] * 3, "permno": [1, 2, 3], "excess_ret": [0.01, 0.02, 0.06]})
    resid = pl.DataFrame({"date": [D(2024, 1, 2)] * 3, "permno": [1, 2, 3], "resid": [0.001, -0.002, 0.001]})
    out = equal_weighted_r2(frame, resid)
    tss = (0.01 - 0.03) ** 2 + (0.02 - 0.03) ** 2 + (0.06 - 0.03) ** 2
    assert_frame_equal(out, pl.DataFrame({"date": [D(2024, 1, 2)], "r2_equal": [1 - 6e-6 / tss]}), abs_tol=1e-12)


def test_bias_table_scores_only_the_held_out_days_with_earlier_forecasts() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_t(5, size=(400, 2)) * [0.01, 0.002]
    wide = pl.DataFrame(
        {"date": pl.date_range(D(2020, 1, 1), D(2021, 2, 3), eager=True)[:400], "a": x[:, 0], "b": x[:, 1]}
    )
    table = bias_table(wide, half_life=42, holdout=100, vra_half_life=None)
    pred = predicted_volatility_path(x, 42)
    expected = [bias_statistic(x[-100:, k], pred[-100:, k]) for k in range(2)]
    assert table["bias"].to_list() == pytest.approx(expected, rel=1e-12)
    assert table["bias_raw"].to_list() == pytest.approx(expected, rel=1e-12)
    # changing a held-out return does not change the forecasts made before it
    x2 = x.copy()
    x2[-1] *= 10
    pred2 = predicted_volatility_path(x2, 42)
    assert np.array_equal(pred[:-1][np.isfinite(pred[:-1])], pred2[:-1][np.isfinite(pred2[:-1])])
    assert 0.8 < table["bias"][0] < 1.2
