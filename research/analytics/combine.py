"""Combining several alpha signals into one (pure polars + numpy).

Data shapes
-----------
* signals: long ``date, asset, signal, value`` (``signal`` = the signal's name).
* fwd: ``date, asset, fwd_ret`` for ONE horizon ``h`` (see :func:`research.analytics.ic.forward_returns`).

No look-ahead
-------------
The IC (or factor return) of horizon ``h`` measured at date ``s`` needs prices up to ``s + h``,
so it is known only at ``s + h``. Dates are counted on ``calendar`` (default: the sorted unique
signal dates; pass the price calendar when it differs). The weights at date ``t`` use only dates
``s`` with ``idx(s) + h <= idx(t)``, and at most the last ``window`` of them (a trailing window).
Dates with fewer than ``min_periods`` known observations get no weights (no combined signal).

Methods (weights are normalised so that ``sum |w| = 1``; equal weights are ``1/K``)
-----------------------------------------------------------------------------------
* ``equal``: ``1/K``.
* ``ic``: trailing mean IC.
* ``icir``: trailing mean IC / std IC (ddof=1).
* ``vol_parity``: ``1 / std`` of the trailing factor returns (signals assumed oriented so that
  higher is better). A signal's factor return at ``s`` is the cross-sectional OLS slope of
  ``fwd_ret`` on its z-score: ``sum(z r) / (n - 1)`` with ``z`` standardised with ddof=1.
* ``ridge``: pooled ridge regression of the cross-sectionally demeaned ``fwd_ret`` on the
  signals' z-scores over the known window: ``(X'X + lambda N I)^-1 X'y`` (N = pairs used).

Z-scores are per date and signal, ``(value - mean) / std`` (ddof=1); in the combined signal a
missing z-score counts as 0 (neutral).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl

from research.analytics.ic import MIN_PAIRS, ic_by_date

Method = Literal["equal", "ic", "icir", "vol_parity", "ridge"]
METHODS: tuple[str, ...] = ("equal", "ic", "icir", "vol_parity", "ridge")


def zscores(signals: pl.DataFrame) -> pl.DataFrame:
    """``date, asset, signal, z``: per (date, signal) standardisation (ddof=1); null when std is 0/null."""
    by = ["date", "signal"]
    valid = signals.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    std = pl.col("value").std(ddof=1).over(by)
    z = pl.when(std > 0).then((pl.col("value") - pl.col("value").mean().over(by)) / std).otherwise(None)
    return valid.select("date", "asset", "signal", z.alias("z"))


def signal_performance(signals: pl.DataFrame, fwd: pl.DataFrame) -> pl.DataFrame:
    """Per date and signal: ``date, signal, ic, factor_ret`` (null when fewer than 3 pairs)."""
    names = signals["signal"].unique().sort().to_list()
    parts = []
    for name in names:
        sig = signals.filter(pl.col("signal") == name).select("date", "asset", "value")
        parts.append(ic_by_date(sig, fwd).select("date", pl.lit(name).alias("signal"), "ic"))
    ics = pl.concat(parts)
    pairs = zscores(signals).join(fwd.select("date", "asset", "fwd_ret"), on=["date", "asset"])
    pairs = pairs.drop_nulls(["z", "fwd_ret"])
    factor = pairs.group_by("date", "signal").agg(
        pl.when(pl.len() >= MIN_PAIRS)
        .then((pl.col("z") * pl.col("fwd_ret")).sum() / (pl.len() - 1))
        .otherwise(None)
        .alias("factor_ret")
    )
    return ics.join(factor, on=["date", "signal"], how="left").sort("date", "signal")


def _matrix(perf: pl.DataFrame, column: str, dates: pl.Series, names: list[str]) -> np.ndarray:
    wide = pl.DataFrame({"date": dates}).join(
        perf.pivot(on="signal", index="date", values=column), on="date", how="left"
    )
    empty = np.full(len(dates), np.nan)
    return np.column_stack(
        [wide[n].cast(pl.Float64).fill_null(np.nan).to_numpy() if n in wide.columns else empty for n in names]
    )


def _ridge_moments(
    signals: pl.DataFrame, fwd: pl.DataFrame, dates: pl.Series, names: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per date: X'X (K x K), X'y (K) and N of the pooled ridge regression."""
    z = zscores(signals).pivot(on="signal", index=["date", "asset"], values="z")
    data = z.join(fwd.select("date", "asset", "fwd_ret"), on=["date", "asset"]).drop_nulls("fwd_ret")
    data = data.with_columns((pl.col("fwd_ret") - pl.col("fwd_ret").mean().over("date")).alias("y"))
    k = len(names)
    xtx, xty, count = np.zeros((len(dates), k, k)), np.zeros((len(dates), k)), np.zeros(len(dates))
    index = {d: i for i, d in enumerate(dates.to_list())}
    for (day,), group in data.group_by("date"):
        zero = np.zeros(group.height)
        x = np.column_stack([group[n].fill_null(0.0).to_numpy() if n in group.columns else zero for n in names])
        y = group["y"].to_numpy()
        i = index[day]
        xtx[i], xty[i], count[i] = x.T @ x, x.T @ y, len(y)
    return xtx, xty, count


def _normalise(w: np.ndarray) -> np.ndarray:
    total = np.abs(w).sum()
    return w / total if total > 0 and np.isfinite(total) else np.full_like(w, np.nan)


def combination_weights(
    signals: pl.DataFrame,
    fwd: pl.DataFrame,
    *,
    method: Method,
    horizon: int,
    window: int,
    ridge_lambda: float = 1.0,
    min_periods: int = 2,
    calendar: pl.Series | None = None,
) -> pl.DataFrame:
    """Signal weights per date: ``date, signal, weight`` (see the module docstring).

    ``horizon`` is the forward-return horizon of ``fwd`` (in calendar dates); ``window`` the
    number of trailing known dates used. Dates without enough known history are omitted.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    if horizon < 1 or window < 1:
        raise ValueError("horizon and window must be positive")
    names = signals["signal"].unique().sort().to_list()
    dates = (calendar if calendar is not None else signals["date"]).unique().sort().alias("date")
    k = len(names)
    rows: list[tuple[object, str, float]] = []
    if method == "ridge":
        xtx, xty, count = _ridge_moments(signals, fwd, dates, names)
    else:
        perf = signal_performance(signals, fwd)
        ic = _matrix(perf, "ic", dates, names)
        fr = _matrix(perf, "factor_ret", dates, names)
    for t, day in enumerate(dates.to_list()):
        hi = t - horizon  # last known measurement date index
        lo = max(0, hi - window + 1)
        if method == "equal":
            w = np.full(k, 1.0 / k)
        elif hi < 0:
            continue
        elif method == "ridge":
            n = count[lo : hi + 1].sum()
            if (count[lo : hi + 1] > 0).sum() < min_periods:
                continue
            a = xtx[lo : hi + 1].sum(axis=0) + ridge_lambda * n * np.eye(k)
            w = _normalise(np.linalg.solve(a, xty[lo : hi + 1].sum(axis=0)))
        else:
            block = (fr if method == "vol_parity" else ic)[lo : hi + 1]
            n_obs = np.sum(~np.isnan(block), axis=0)
            if n_obs.min() < min_periods:
                continue
            mean, std = np.nanmean(block, axis=0), np.nanstd(block, axis=0, ddof=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                raw = {"ic": mean, "icir": mean / std, "vol_parity": 1.0 / std}[method]
            w = _normalise(raw)
        if np.isnan(w).any():
            continue
        rows.extend((day, name, float(weight)) for name, weight in zip(names, w, strict=True))
    return pl.DataFrame(rows, schema={"date": pl.Date, "signal": pl.Utf8, "weight": pl.Float64}, orient="row")


def combine_signals(signals: pl.DataFrame, weights: pl.DataFrame) -> pl.DataFrame:
    """Combined signal ``date, asset, value = sum_k w_{t,k} z_{t,k}`` on dates having weights."""
    z = zscores(signals).with_columns(pl.col("z").fill_null(0.0))
    return (
        z.join(weights, on=["date", "signal"], how="inner")
        .group_by("date", "asset")
        .agg((pl.col("z") * pl.col("weight")).sum().alias("value"))
        .sort("date", "asset")
    )


def signal_correlation(signals: pl.DataFrame) -> pl.DataFrame:
    """Average over dates of the cross-sectional rank (Spearman) correlation between signals.

    Per date, ranks use average ties over the assets where both signals are present; dates with
    fewer than 3 common assets or zero variance are skipped. Returns a square frame with a
    ``signal`` column and one column per signal (diagonal 1.0).
    """
    names = signals["signal"].unique().sort().to_list()
    wide = signals.pivot(on="signal", index=["date", "asset"], values="value")
    matrix = np.eye(len(names))
    for i, a in enumerate(names):
        for j in range(i + 1, len(names)):
            b = names[j]
            both = wide.select("date", a, b).drop_nulls().drop_nans()
            ranked = both.with_columns(
                pl.col(a).rank("average").over("date").alias("_ra"),
                pl.col(b).rank("average").over("date").alias("_rb"),
            )
            ok = (pl.len() >= MIN_PAIRS) & (pl.col("_ra").std() > 0) & (pl.col("_rb").std() > 0)
            per_date = ranked.group_by("date").agg(pl.when(ok).then(pl.corr("_ra", "_rb")).otherwise(None).alias("c"))
            value = per_date["c"].mean()
            matrix[i, j] = matrix[j, i] = np.nan if value is None else float(value)  # type: ignore[arg-type]
    return pl.DataFrame({"signal": names, **{n: matrix[:, i] for i, n in enumerate(names)}})
