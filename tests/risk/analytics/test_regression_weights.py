"""The optional regression-weight column of factor_returns (feasible GLS)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import statsmodels.api as sm

from risk.analytics.regression import factor_returns

D1 = dt.date(2024, 1, 2)


def _day(n: int = 60, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "date": [D1] * n,
            "permno": np.arange(n),
            "ret": rng.normal(0, 0.02, n),
            "mktcap": rng.lognormal(21, 1.5, n),
            "industry": rng.choice(["A", "B", "C"], n),
            "x": rng.normal(0, 1, n),
            "w": rng.uniform(0.2, 5.0, n),
        }
    )


def test_a_sqrt_cap_weight_column_reproduces_the_default() -> None:
    frame = _day().with_columns(pl.col("mktcap").sqrt().alias("sqrtcap"))
    default = factor_returns(frame, styles=["x"])
    explicit = factor_returns(frame, styles=["x"], weight="sqrtcap")
    np.testing.assert_allclose(explicit.factor_returns["ret"], default.factor_returns["ret"], rtol=1e-12)


def test_style_returns_match_statsmodels_wls_with_the_given_weights() -> None:
    frame = _day()
    res = factor_returns(frame, styles=["x"], weight="w")
    # The market/industry constraint only picks a parameterisation: the style coefficient is the
    # one of an unconstrained WLS on [1, industry dummies minus one, x] with the same weights.
    dummies = np.column_stack([(frame["industry"] == s).to_numpy() for s in ("B", "C")]).astype(float)
    design = sm.add_constant(np.column_stack([dummies, frame["x"].to_numpy()]))
    ref = sm.WLS(frame["ret"].to_numpy(), design, weights=frame["w"].to_numpy()).fit()
    ours = res.factor_returns.filter(pl.col("factor") == "x")["ret"].item()
    assert abs(ours - ref.params[-1]) < 1e-12
    assert np.allclose(res.residuals.sort("permno")["resid"].to_numpy(), ref.resid, atol=1e-12)


def test_rows_with_non_positive_weights_are_dropped() -> None:
    frame = _day().with_columns(pl.when(pl.col("permno") < 5).then(0.0).otherwise(pl.col("w")).alias("w"))
    res = factor_returns(frame, styles=["x"], weight="w")
    assert res.residuals.height == frame.height - 5
