from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from risk.analytics.bias import bias_confidence_band, bias_statistic, rolling_bias
from risk.analytics.covariance import predicted_volatility_path


def _regime_returns(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vol = np.repeat([0.01, 0.02, 0.008, 0.015], 500)
    return rng.standard_normal(vol.size) * vol


def test_bias_is_near_one_for_a_correctly_specified_forecast() -> None:
    r = _regime_returns(0)
    forecast = predicted_volatility_path(r, half_life=21.0)[:, 0]
    held_out = slice(1000, None)  # forecasts use only the past, evaluated on the second half
    b = bias_statistic(r[held_out], forecast[held_out])
    assert 0.8 < b < 1.2


def test_bias_flags_a_stale_forecast() -> None:
    r = _regime_returns(0)
    stale = np.full(r.size, np.std(r[:500]))  # first-regime vol forever
    assert bias_statistic(r[500:1000], stale[500:1000]) > 1.6


def test_bias_hand_computed_and_band() -> None:
    assert bias_statistic(np.array([0.01, -0.02, 0.03]), np.array([0.01, 0.01, 0.01])) == pytest.approx(
        np.std([1.0, -2.0, 3.0], ddof=1)
    )
    assert bias_statistic(np.array([0.01, np.nan, 0.03, 0.01]), np.array([0.01, 0.01, 0.0, 0.01])) == 0.0
    lo, hi = bias_confidence_band(200)
    assert (lo, hi) == pytest.approx((0.9, 1.1))


def test_rolling_bias_per_series() -> None:
    dates = [dt.date(2024, 1, d) for d in (2, 3, 4)]
    frame = pl.DataFrame(
        {
            "date": dates * 2,
            "portfolio": ["a"] * 3 + ["b"] * 3,
            "ret": [0.01, -0.01, 0.03, 0.02, 0.02, 0.02],
            "forecast_vol": [0.01] * 3 + [0.01] * 3,
        }
    )
    out = rolling_bias(frame, window=2, by="portfolio")
    got = out.get_column("bias").to_list()
    assert got[0] is None and got[3] is None
    assert got[1] == pytest.approx(np.sqrt(2.0)) and got[2] == pytest.approx(np.std([-1.0, 3.0], ddof=1))
    assert got[4] == pytest.approx(0.0) and got[5] == pytest.approx(0.0)
