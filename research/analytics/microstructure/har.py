"""HAR(1,5,22) of Corsi (2009) by OLS, with forecasts.

RV_{t+1} = b0 + b1 RV_t + b5 mean(RV_{t-4..t}) + b22 mean(RV_{t-21..t}) + e_{t+1}.
The first regression row is the first day t with 22 observations (t = 21, zero-based), the last is
the day before the last; n = T - 22. Standard errors are the classical OLS ones (homoskedastic);
``log=True`` fits the same model on log RV. Units are those of the input series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NAMES = ("const", "daily", "weekly", "monthly")


@dataclass(frozen=True)
class HarFit:
    coefficients: dict[str, float]
    std_errors: dict[str, float]
    r2: float
    n: int
    forecast: float  # RV for the day after the last input day (same units as input)
    log: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "coefficients": self.coefficients,
            "std_errors": self.std_errors,
            "r2": self.r2,
            "n": self.n,
            "forecast_next": self.forecast,
            "log": self.log,
        }


def har_design(rv: np.ndarray) -> np.ndarray:
    """Rows [1, RV_t, weekly mean, monthly mean] for t = 21..T-1 (the last row has no target)."""
    x = np.asarray(rv, dtype=float)
    if len(x) < 22:
        raise ValueError(f"HAR needs at least 22 observations, got {len(x)}")
    c = np.concatenate([[0.0], np.cumsum(x)])
    t = np.arange(21, len(x))
    weekly = (c[t + 1] - c[t - 4]) / 5
    monthly = (c[t + 1] - c[t - 21]) / 22
    return np.column_stack([np.ones(len(t)), x[t], weekly, monthly])


def har_fit(rv: np.ndarray, *, log: bool = False) -> HarFit:
    """Fit HAR(1,5,22) by OLS on a daily series with no gaps or missing values."""
    x = np.asarray(rv, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("the RV series has missing or non-finite values")
    if log:
        if np.any(x <= 0):
            raise ValueError("log HAR needs strictly positive RV")
        x = np.log(x)
    design = har_design(x)
    X, y = design[:-1], x[22:]
    if len(y) <= X.shape[1]:
        raise ValueError(f"HAR needs more than {X.shape[1] + 22} observations, got {len(x)}")
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    n, k = X.shape
    sigma2 = resid @ resid / (n - k)
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))
    r2 = 1 - (resid @ resid) / np.sum((y - y.mean()) ** 2)
    fc = float(design[-1] @ beta)
    return HarFit(
        coefficients=dict(zip(NAMES, map(float, beta), strict=True)),
        std_errors=dict(zip(NAMES, map(float, se), strict=True)),
        r2=float(r2),
        n=int(n),
        forecast=float(np.exp(fc)) if log else fc,
        log=log,
    )


def har_rolling_forecasts(rv: np.ndarray, *, min_train: int = 250) -> np.ndarray:
    """Out-of-sample one-day-ahead forecasts: the forecast for day t+1 uses only days <= t (NaN before)."""
    x = np.asarray(rv, dtype=float)
    out = np.full(len(x), np.nan)
    for t in range(max(min_train, 24), len(x)):
        out[t] = har_fit(x[:t]).forecast
    return out
