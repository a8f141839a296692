from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from risk.analytics.stress import (
    COVID_2020,
    SCENARIOS,
    ScenarioWindow,
    conditional_shocks,
    hypothetical_scenario,
    replay_scenario,
    scenario_shocks,
    stress_pnl,
)

D = [dt.date(2020, 2, 18), dt.date(2020, 2, 19), dt.date(2020, 2, 20), dt.date(2020, 3, 24)]


def _factor_returns() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [d for d in D for _ in range(2)],
            "factor": ["market", "value"] * 4,
            "ret": [0.5, 0.5, -0.10, 0.02, -0.05, 0.01, 0.9, 0.9],
        }
    )


def test_named_windows_are_the_documented_dates() -> None:
    assert (SCENARIOS["gfc"].start, SCENARIOS["gfc"].end) == (dt.date(2008, 9, 1), dt.date(2009, 3, 31))
    assert (COVID_2020.start, COVID_2020.end) == (dt.date(2020, 2, 19), dt.date(2020, 3, 23))
    assert (SCENARIOS["2022"].start, SCENARIOS["2022"].end) == (dt.date(2022, 1, 1), dt.date(2022, 12, 31))


def test_scenario_shocks_compound_and_sum_inside_the_window_only() -> None:
    comp = scenario_shocks(_factor_returns(), COVID_2020)
    expected = pl.DataFrame(
        {"factor": ["market", "value"], "shock": [0.9 * 0.95 - 1, 1.02 * 1.01 - 1], "n_days": [2, 2]}
    )
    assert_frame_equal(comp, expected)
    summed = scenario_shocks(_factor_returns(), COVID_2020, method="sum")
    assert summed.get_column("shock").to_list() == pytest.approx([-0.15, 0.03])
    with pytest.raises(ValueError, match="No factor returns"):
        scenario_shocks(_factor_returns(), ScenarioWindow("empty", dt.date(2000, 1, 1), dt.date(2000, 2, 1)))


def test_replay_pnl_by_factor_and_position_hand_computed() -> None:
    weights = pl.DataFrame({"permno": [1, 2], "weight": [0.6, 0.4]})
    exposures = pl.DataFrame(
        {
            "permno": [1, 1, 2, 2],
            "factor": ["market", "value", "market", "value"],
            "exposure": [1.0, 0.5, 1.2, -1.0],
        }
    )
    residuals = pl.DataFrame({"date": [D[1], D[2], D[1]], "permno": [1, 1, 2], "resid": [0.01, 0.02, -0.03]})
    res = replay_scenario(weights, exposures, _factor_returns(), "covid", method="sum", residuals=residuals)
    # shocks: market -0.15, value 0.03; portfolio exposures: market 1.08, value -0.1
    assert_frame_equal(
        res.by_factor,
        pl.DataFrame(
            {
                "factor": ["market", "value"],
                "exposure": [1.08, -0.1],
                "shock": [-0.15, 0.03],
                "pnl": [1.08 * -0.15, -0.1 * 0.03],
            }
        ),
    )
    f1 = 0.6 * (-0.15 + 0.5 * 0.03)
    f2 = 0.4 * (1.2 * -0.15 - 0.03)
    assert_frame_equal(
        res.by_position,
        pl.DataFrame(
            {
                "permno": [1, 2],
                "weight": [0.6, 0.4],
                "factor_pnl": [f1, f2],
                "specific_pnl": [0.6 * 0.03, 0.4 * -0.03],
                "pnl": [f1 + 0.018, f2 - 0.012],
            }
        ),
    )
    assert res.total == pytest.approx(res.by_factor.get_column("pnl").sum() + 0.018 - 0.012)
    assert res.name == "COVID crash 2020" and res.missing_factors == ()


def test_conditional_shock_matches_bivariate_normal_regression() -> None:
    vol = np.array([0.02, 0.01, 0.015])
    corr = np.array([[1.0, 0.6, -0.2], [0.6, 1.0, 0.1], [-0.2, 0.1, 1.0]])
    cov = corr * np.outer(vol, vol)
    out = conditional_shocks({"market": -0.1}, cov, ["market", "value", "momentum"])
    # E[f_j | f_m = s] = ρ σ_j / σ_m s
    expected = [-0.1, 0.6 * 0.01 / 0.02 * -0.1, -0.2 * 0.015 / 0.02 * -0.1]
    assert out.get_column("shock").to_list() == pytest.approx(expected)
    flat = conditional_shocks({"market": -0.1}, cov, ["market", "value", "momentum"], propagate=False)
    assert flat.get_column("shock").to_list() == [-0.1, 0.0, 0.0]
    with pytest.raises(ValueError, match="Unknown"):
        conditional_shocks({"nope": 0.1}, cov, ["market", "value", "momentum"])


def test_missing_factor_gets_zero_shock_and_is_reported() -> None:
    weights = pl.DataFrame({"permno": [1], "weight": [1.0]})
    exposures = pl.DataFrame({"permno": [1, 1], "factor": ["market", "size"], "exposure": [1.0, 2.0]})
    res = stress_pnl(weights, exposures, pl.DataFrame({"factor": ["market"], "shock": [-0.2]}))
    assert res.missing_factors == ("size",)
    assert res.total == pytest.approx(-0.2)


def test_hypothetical_market_shock_propagates_to_correlated_factors() -> None:
    cov = np.array([[4e-4, 1e-4], [1e-4, 1e-4]])  # market vol 2 %, value vol 1 %, corr 0.5
    weights = pl.DataFrame({"permno": [1, 2], "weight": [0.5, 0.5]})
    exposures = pl.DataFrame(
        {"permno": [1, 1, 2, 2], "factor": ["market", "value"] * 2, "exposure": [1.0, 1.0, 1.0, -3.0]}
    )
    res = hypothetical_scenario(weights, exposures, {"market": -0.2}, cov, ["market", "value"])
    value_shock = 1e-4 / 4e-4 * -0.2  # Σ_us Σ_ss⁻¹ s = -0.05
    assert res.by_factor.get_column("shock").to_list() == pytest.approx([-0.2, value_shock])
    assert res.total == pytest.approx(1.0 * -0.2 + (-1.0) * value_shock)
    flat = hypothetical_scenario(weights, exposures, {"market": -0.2}, cov, ["market", "value"], propagate=False)
    assert flat.total == pytest.approx(-0.2)
