"""Checks on real published data: Kenneth French daily 5 factors (see shared data PROVENANCE.md)."""

from __future__ import annotations

import io

import numpy as np
import polars as pl
import pytest

from quant.periods import periods_per_year
from risk.analytics.bias import bias_confidence_band, bias_statistic
from risk.analytics.covariance import CovarianceConfig, estimate_factor_covariance, predicted_volatility_path
from risk.analytics.stress import COVID_2020, scenario_shocks
from tests.support.shared_data import require_shared_file

FACTORS = ["Mkt-RF", "SMB", "HML", "RMW", "CMA"]


@pytest.fixture(scope="module")
def french_daily() -> pl.DataFrame:
    path = require_shared_file("french", "F-F_Research_Data_5_Factors_2x3_daily.CSV")
    lines = path.read_text().splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith(",Mkt-RF"))
    body = []
    for line in lines[head + 1 :]:
        if not line.strip() or not line.strip()[0].isdigit():
            break
        body.append(line)
    raw = pl.read_csv(io.StringIO("\n".join([lines[head], *body])), infer_schema=False)
    return raw.select(
        pl.col("").str.strptime(pl.Date, "%Y%m%d").alias("date"),
        *(pl.col(c).str.strip_chars().cast(pl.Float64).truediv(100) for c in FACTORS),  # percent -> decimal
    )


def test_covid_market_drawdown_matches_the_published_fall(french_daily: pl.DataFrame) -> None:
    long = french_daily.unpivot(index="date", on=FACTORS, variable_name="factor", value_name="ret")
    shocks = scenario_shocks(long, COVID_2020)
    mkt = shocks.filter(pl.col("factor") == "Mkt-RF")
    # The US market fell ~34 % from its 19 Feb 2020 peak to the 23 Mar 2020 low (S&P 500: -33.9 %).
    assert mkt.get_column("shock")[0] == pytest.approx(-0.34, abs=0.015)
    assert mkt.get_column("n_days")[0] == 24


def test_ewma_forecasts_are_unbiased_on_real_factors(french_daily: pl.DataFrame) -> None:
    x = french_daily.select(FACTORS).to_numpy()
    forecast = predicted_volatility_path(x, half_life=42)
    held_out = french_daily.get_column("date").to_numpy() >= np.datetime64("2000-01-01")
    for j, name in enumerate(FACTORS):
        b = bias_statistic(x[held_out, j], forecast[held_out, j])
        assert 0.95 < b < 1.1, (name, b)
    # A stale forecast (the 1963-1999 sample vol) is visibly biased on the same window.
    stale = np.full(held_out.sum(), np.std(x[~held_out, 0]))
    lo, hi = bias_confidence_band(int(held_out.sum()))
    assert not lo < bias_statistic(x[held_out, 0], stale) < hi


def test_factor_covariance_on_real_data_is_positive_definite(french_daily: pl.DataFrame) -> None:
    recent = french_daily.filter(pl.col("date").dt.year() >= 2015)
    cov = estimate_factor_covariance(recent, CovarianceConfig(eigen_adjust=True, eigen_sims=100, vra=True))
    assert cov.factors == FACTORS
    assert np.all(np.linalg.eigvalsh(cov.matrix) > 0)
    annual_vol = np.sqrt(np.diag(cov.matrix) * periods_per_year("daily"))
    assert 0.08 < annual_vol[0] < 0.4  # market: plausible annualised volatility
