"""Fama-French factor attribution of a return series (statsmodels OLS with Newey-West errors).

Conventions
-----------
* Models: ``ff3`` = mktrf, smb, hml; ``ff5`` = ff3 + rmw, cma; ``ff6`` = ff5 + umd.
* Regression: ``r_t - rf_t = alpha + sum_k beta_k f_{k,t} + e_t``, OLS on decimal returns.
  The risk-free rate is subtracted here (``align_excess_returns``): users pass raw returns.
* Standard errors: Newey-West (HAC, Bartlett kernel) as statsmodels
  ``OLS(...).fit(cov_type="HAC", cov_kwds={"maxlags": L})`` with its default small-sample
  correction. Default lag rule ``L = floor(4 * (T / 100) ** (2 / 9))`` (Newey-West 1994), T = n_obs.
* Annualised alpha: ``alpha * periods_per_year`` (arithmetic; pass e.g. 252 daily, 12 monthly).
* Alignment: daily — exact date match; monthly — both sides mapped to their calendar month
  (a user date can be any day of the month; one return per month is required).
  Rows with a missing return or a missing factor are dropped and counted (``dropped``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import polars as pl
import statsmodels.api as sm
from statsmodels.regression.linear_model import RegressionResultsWrapper
from statsmodels.regression.rolling import RollingOLS

Model = Literal["ff3", "ff5", "ff6"]
MODELS: dict[str, tuple[str, ...]] = {
    "ff3": ("mktrf", "smb", "hml"),
    "ff5": ("mktrf", "smb", "hml", "rmw", "cma"),
    "ff6": ("mktrf", "smb", "hml", "rmw", "cma", "umd"),
}
LAG_RULE = "floor(4 * (T / 100) ** (2 / 9))"


def model_factors(model: str) -> tuple[str, ...]:
    """Factor columns of a model name (ValueError for an unknown model)."""
    try:
        return MODELS[model]
    except KeyError:
        raise ValueError(f"unknown model {model!r}; choose one of {sorted(MODELS)}") from None


def newey_west_lags(n_obs: int) -> int:
    """Default HAC lag: ``floor(4 * (T / 100) ** (2 / 9))``."""
    return math.floor(4 * (n_obs / 100) ** (2 / 9))


@dataclass(frozen=True)
class Aligned:
    """Excess returns joined to factors: ``frame`` has ``date, excess, <factors...>``."""

    frame: pl.DataFrame
    dropped: int


def align_excess_returns(
    returns: pl.DataFrame,
    factors: pl.DataFrame,
    *,
    model: str,
    frequency: Literal["daily", "monthly"],
) -> Aligned:
    """Align raw returns (``date, return``) with factors (``date, <factors>, rf``) and subtract rf.

    Daily: exact dates. Monthly: both sides keyed by calendar month; duplicate months in the
    returns raise ValueError. Output ``date`` is the user's date. Returns rows with no factor
    row, a null return, or a null model factor / rf are dropped and counted.
    """
    cols = model_factors(model)
    missing = [c for c in (*cols, "rf") if c not in factors.columns]
    if missing:
        raise ValueError(f"factor data lacks column(s) {missing} needed by {model}")
    fac = factors.select("date", *cols, "rf")
    if frequency == "monthly":
        key = pl.col("date").dt.truncate("1mo").alias("_key")
        rets = returns.with_columns(key)
        if rets["_key"].is_duplicated().any():
            raise ValueError(
                "monthly attribution needs one return per month; the file has several in a month "
                "(use --frequency daily, or compound the returns to months first)"
            )
        joined = rets.join(fac.with_columns(key).drop("date"), on="_key", how="left").drop("_key")
    elif frequency == "daily":
        joined = returns.join(fac, on="date", how="left")
    else:
        raise ValueError(f"frequency must be daily or monthly, got {frequency!r}")
    complete = joined.drop_nulls(["return", *cols, "rf"])
    frame = complete.select("date", (pl.col("return") - pl.col("rf")).alias("excess"), *cols).sort("date")
    return Aligned(frame=frame, dropped=returns.height - complete.height)


@dataclass(frozen=True)
class AttributionResult:
    """One factor regression. Coefficients are per period (decimal) unless named annualised.

    ``t_stats``/``std_errors``/``p_values`` are Newey-West and include the key ``"alpha"``.
    """

    model: str
    alpha: float
    alpha_annualised: float
    betas: dict[str, float]
    t_stats: dict[str, float]
    std_errors: dict[str, float]
    p_values: dict[str, float]
    r2: float
    adj_r2: float
    n_obs: int
    dropped: int
    hac_lags: int
    lag_rule: str
    periods_per_year: float

    def coefficient(self, name: str) -> float:
        """``alpha`` or a factor's beta by name."""
        return self.alpha if name == "alpha" else self.betas[name]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _fit(frame: pl.DataFrame, cols: Sequence[str], lags: int) -> RegressionResultsWrapper:
    y = frame["excess"].to_numpy()
    x = sm.add_constant(frame.select(cols).to_numpy(), has_constant="add")
    return sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": lags})


def factor_regression(
    aligned: Aligned, *, model: str, periods_per_year: float, hac_lags: int | None = None
) -> AttributionResult:
    """Fit the factor model on aligned excess returns (see module conventions).

    Raises ValueError when there are not more observations than regressors + 1.
    """
    cols = model_factors(model)
    frame = aligned.frame
    n = frame.height
    if n <= len(cols) + 1:
        raise ValueError(f"{n} aligned observations are too few for {model} ({len(cols)} factors)")
    lags = newey_west_lags(n) if hac_lags is None else hac_lags
    res = _fit(frame, cols, lags)
    names = ("alpha", *cols)
    params = dict(zip(names, map(float, res.params), strict=True))
    return AttributionResult(
        model=model,
        alpha=params["alpha"],
        alpha_annualised=params["alpha"] * periods_per_year,
        betas={c: params[c] for c in cols},
        t_stats=dict(zip(names, map(float, res.tvalues), strict=True)),
        std_errors=dict(zip(names, map(float, res.bse), strict=True)),
        p_values=dict(zip(names, map(float, res.pvalues), strict=True)),
        r2=float(res.rsquared),
        adj_r2=float(res.rsquared_adj),
        n_obs=n,
        dropped=aligned.dropped,
        hac_lags=lags,
        lag_rule=LAG_RULE if hac_lags is None else "user",
        periods_per_year=periods_per_year,
    )


def rolling_exposures(aligned: Aligned, *, model: str, window: int) -> pl.DataFrame:
    """Rolling OLS coefficients over ``window`` observations (statsmodels ``RollingOLS``).

    Returns ``date, alpha, <factors...>``; each row uses the ``window`` observations ending at
    (and including) ``date`` — no look-ahead. The first ``window - 1`` dates are omitted.
    """
    cols = model_factors(model)
    frame = aligned.frame
    if window <= len(cols) + 1 or window > frame.height:
        raise ValueError(f"window must be in ({len(cols) + 1}, {frame.height}], got {window}")
    x = sm.add_constant(frame.select(cols).to_numpy(), has_constant="add")
    params = RollingOLS(frame["excess"].to_numpy(), x, window=window).fit().params
    out = pl.DataFrame(np.asarray(params), schema=["alpha", *cols], orient="row")
    return pl.concat([frame.select("date"), out], how="horizontal").slice(window - 1)


@dataclass(frozen=True)
class UpDownResult:
    """Separate regressions on up-market (mktrf > 0) and down-market (mktrf < 0) periods."""

    up: AttributionResult
    down: AttributionResult

    def as_dict(self) -> dict[str, object]:
        return {"up": self.up.as_dict(), "down": self.down.as_dict()}


def up_down_attribution(
    aligned: Aligned, *, model: str, periods_per_year: float, hac_lags: int | None = None
) -> UpDownResult:
    """Conditional attribution: the model fitted separately where mktrf > 0 and where mktrf < 0.

    Periods with mktrf exactly 0 belong to neither. Each sub-fit uses its own HAC lag rule
    (on its own T) unless ``hac_lags`` is given; sub-samples are not contiguous in time.
    """
    parts = {}
    for name, cond in (("up", pl.col("mktrf") > 0), ("down", pl.col("mktrf") < 0)):
        sub = Aligned(aligned.frame.filter(cond), dropped=aligned.dropped)
        parts[name] = factor_regression(sub, model=model, periods_per_year=periods_per_year, hac_lags=hac_lags)
    return UpDownResult(**parts)
