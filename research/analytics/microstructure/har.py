"""HAR(1,5,22) of Corsi (2009) by OLS, its log and HAR-J variants, forecasts and their accuracy.

RV_{t+1} = b0 + b1 RV_t + b5 mean(RV_{t-4..t}) + b22 mean(RV_{t-21..t}) [+ bJ J_t] + e_{t+1}.
The first regression row is the first day t with 22 observations (t = 21, zero-based), the last is
the day before the last; n = T - 22. Standard errors are the classical OLS ones (homoskedastic).
``log=True`` fits the same model on log RV (the forecast in levels is exp of the log forecast, the
conditional median); ``jumps`` adds the jump component J_t = max(RV_t - BPV_t, 0) of Andersen,
Bollerslev & Diebold (2007) as a regressor (HAR-J, levels only). Units are those of the input series.

Forecast accuracy (:func:`har_evaluate`) is out of sample: the forecast for day t is fitted on
days < t only (expanding window, refitted every day from ``min_train`` days), so no future row
enters it. Forecasts below the smallest RV seen in their training window are raised to it (an
"insanity filter": a levels HAR can forecast a negative variance, and QLIKE needs F > 0).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

NAMES = ("const", "daily", "weekly", "monthly")
JUMP = "jump"
VARIANTS = ("har", "log_har", "har_j")  # the models compared on the microstructure page


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


@dataclass(frozen=True)
class ForecastAccuracy:
    """Out-of-sample accuracy of one-day-ahead variance forecasts F against realized RV.

    rmse in the units of RV; qlike = mean(RV/F - log(RV/F) - 1) (Patton 2011, 0 for a perfect
    forecast); Mincer-Zarnowitz regression RV = alpha + beta F + e with its R² and the p-value of
    the F-test of alpha = 0, beta = 1 (classical OLS; an unbiased forecast has p not small).
    """

    n: int
    rmse: float
    qlike: float
    mz_alpha: float
    mz_beta: float
    mz_r2: float
    mz_p: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def har_design(rv: np.ndarray, jumps: np.ndarray | None = None) -> np.ndarray:
    """Rows [1, RV_t, weekly mean, monthly mean(, J_t)] for t = 21..T-1 (the last row has no target)."""
    x = np.asarray(rv, dtype=float)
    if len(x) < 22:
        raise ValueError(f"HAR needs at least 22 observations, got {len(x)}")
    c = np.concatenate([[0.0], np.cumsum(x)])
    t = np.arange(21, len(x))
    weekly = (c[t + 1] - c[t - 4]) / 5
    monthly = (c[t + 1] - c[t - 21]) / 22
    cols = [np.ones(len(t)), x[t], weekly, monthly]
    if jumps is not None:
        cols.append(np.asarray(jumps, dtype=float)[t])
    return np.column_stack(cols)


def _prepare(rv: np.ndarray, log: bool, jumps: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    x = np.asarray(rv, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("the RV series has missing or non-finite values")
    j = None
    if jumps is not None:
        j = np.asarray(jumps, dtype=float)
        if log:
            raise ValueError("HAR-J is fitted in levels; drop --log or the jump column")
        if j.shape != x.shape or not np.all(np.isfinite(j)):
            raise ValueError("the jump series must have one finite value per RV value")
    if log:
        if np.any(x <= 0):
            raise ValueError("log HAR needs strictly positive RV")
        x = np.log(x)
    return x, j


def har_fit(rv: np.ndarray, *, log: bool = False, jumps: np.ndarray | None = None) -> HarFit:
    """Fit HAR(1,5,22) (or HAR-J with ``jumps``) by OLS on a daily series with no gaps or missing values."""
    x, j = _prepare(rv, log, jumps)
    design = har_design(x, j)
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
    names = NAMES + ((JUMP,) if j is not None else ())
    return HarFit(
        coefficients=dict(zip(names, map(float, beta), strict=True)),
        std_errors=dict(zip(names, map(float, se), strict=True)),
        r2=float(r2),
        n=int(n),
        forecast=float(np.exp(fc)) if log else fc,
        log=log,
    )


def har_rolling_forecasts(
    rv: np.ndarray, *, min_train: int = 250, log: bool = False, jumps: np.ndarray | None = None
) -> np.ndarray:
    """Out-of-sample one-day-ahead forecasts: the forecast for day t uses only days < t (NaN before
    ``min_train`` days, at least 24 for HAR and 25 for HAR-J); raw, without the insanity filter."""
    x = np.asarray(rv, dtype=float)
    j = None if jumps is None else np.asarray(jumps, dtype=float)
    out = np.full(len(x), np.nan)
    first = max(min_train, 24 if j is None else 25)
    for t in range(first, len(x)):
        out[t] = har_fit(x[:t], log=log, jumps=None if j is None else j[:t]).forecast
    return out


def forecast_accuracy(actual: np.ndarray, forecast: np.ndarray) -> ForecastAccuracy:
    """RMSE, QLIKE and the Mincer-Zarnowitz regression over the days where both are finite (F > 0)."""
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    ok = np.isfinite(a) & np.isfinite(f) & (f > 0) & (a > 0)
    a, f = a[ok], f[ok]
    n = len(a)
    if n < 3:
        raise ValueError(f"forecast accuracy needs at least 3 forecast days, got {n}")
    ratio = a / f
    X = np.column_stack([np.ones(n), f])
    beta, *_ = np.linalg.lstsq(X, a, rcond=None)
    resid = a - X @ beta
    ssr = float(resid @ resid)
    r2 = 1 - ssr / float(np.sum((a - a.mean()) ** 2))
    d = beta - np.array([0.0, 1.0])  # Wald F-test of (alpha, beta) = (0, 1) with the OLS covariance
    wald = float(d @ (X.T @ X) @ d) / 2 / (ssr / (n - 2))
    return ForecastAccuracy(
        n=n,
        rmse=float(np.sqrt(np.mean((a - f) ** 2))),
        qlike=float(np.mean(ratio - np.log(ratio) - 1)),
        mz_alpha=float(beta[0]),
        mz_beta=float(beta[1]),
        mz_r2=float(r2),
        mz_p=float(stats.f.sf(wald, 2, n - 2)),
    )


def har_evaluate(
    rv: np.ndarray, *, min_train: int = 250, log: bool = False, jumps: np.ndarray | None = None
) -> tuple[np.ndarray, ForecastAccuracy]:
    """Expanding-window one-day-ahead forecasts (insanity-filtered, in RV levels) and their accuracy."""
    x = np.asarray(rv, dtype=float)
    raw = har_rolling_forecasts(x, min_train=min_train, log=log, jumps=jumps)
    floor = np.concatenate([[np.nan], np.minimum.accumulate(x)[:-1]])  # smallest RV before day t
    filtered = np.where(np.isfinite(raw), np.maximum(raw, floor), np.nan)
    return filtered, forecast_accuracy(x, filtered)
