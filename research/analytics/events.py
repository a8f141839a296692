"""Event studies: expected-return models, abnormal returns, CAR/BHAR and their tests.

Pure functions over polars frames and numpy (no Django, no warehouse). Returns are **daily simple
returns as decimals**. Event time is counted in **sessions of the factor calendar** (the dates of
``factors``): day 0 is the first session on or after the event date, day τ the τ-th session after.

Expected-return models (``y`` the regressand, ``X`` the regressors, fitted by OLS over the
estimation window, the intercept included; AR = y − Xb on the event window):

==============  ===========================  =============================================
model           y                            X
==============  ===========================  =============================================
``mean``        R                            1                     (mean-adjusted)
``market``      R                            1, R_m                (market model; R_m = mktrf + rf)
``market_adj``  R − R_m                      none: AR = R − R_m, σ from the estimation window
``ff3``         R − rf                       1, mktrf, smb, hml
``ff5``         R − rf                       1, mktrf, smb, hml, rmw, cma
==============  ===========================  =============================================

Standardised AR (Patell 1976): SAR_t = AR_t / (s · √(1 + x_t'(X'X)⁻¹x_t)) with s² the estimation
residual variance (ddof = number of parameters p); over an L-day window CSAR = Σ SAR / √L.
Tests over N events (two-sided p-values, normal unless said):

* cross-sectional t: mean(CAR) / (sd(CAR, ddof=1)/√N), Student t with N − 1 dof;
* Patell Z: Σ CSAR_i / √(Σ (T_i − p)/(T_i − p − 2)), T_i the estimation observations;
* BMP (Boehmer, Musumeci & Poulsen 1991): mean(CSAR) / (sd(CSAR, ddof=1)/√N), t with N − 1 dof;
* sign: Z = (N⁺ − N/2)/√(N/4) with N⁺ the events with CAR > 0, exact binomial p-value.

Missing returns: an event needs ``min_estimation`` observed estimation days and every event-window
return observed, else it is dropped and counted. Clustering of event dates: see
:func:`calendar_time_alpha`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

MODELS = ("market", "mean", "market_adj", "ff3", "ff5")
FF_COLUMNS = {"ff3": ("mktrf", "smb", "hml"), "ff5": ("mktrf", "smb", "hml", "rmw", "cma")}


@dataclass(frozen=True, slots=True)
class Windows:
    """Estimation ``[est_start, est_end]`` and event ``[start, end]`` windows in sessions (inclusive)."""

    est_start: int = -250
    est_end: int = -30
    start: int = -1
    end: int = 1

    def __post_init__(self) -> None:
        if self.est_start > self.est_end or self.start > self.end:
            raise ValueError("a window must be written low,high (e.g. -250,-30)")
        if self.est_end >= self.start:
            raise ValueError("the estimation window must end before the event window starts")

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True, slots=True)
class Panel:
    """Dense event-time arrays: rows = events, columns = days ``first … last`` relative to day 0."""

    events: pl.DataFrame  # event_id, permno, event_date (kept events, in row order)
    offsets: np.ndarray  # (L,) relative days
    ret: np.ndarray  # (E, L) simple returns, NaN when missing
    factors: dict[str, np.ndarray]  # name -> (E, L)


def build_panel(events: pl.DataFrame, returns: pl.DataFrame, factors: pl.DataFrame, *, first: int, last: int) -> Panel:
    """Align ``events`` (``permno, event_date``; optional ``event_id``) with ``returns`` (``permno,
    date, ret``) and ``factors`` (``date`` + factor columns, the session calendar) over relative days
    ``first … last``. Events whose window leaves the calendar are dropped."""
    cal = factors.sort("date")
    sessions = cal["date"].to_numpy()
    if "event_id" not in events.columns:
        events = events.with_row_index("event_id").with_columns(pl.col("event_id").cast(pl.Int64))
    pos = np.searchsorted(sessions, events["event_date"].to_numpy())
    offsets = np.arange(first, last + 1)
    ok = (pos + first >= 0) & (pos + last < len(sessions))
    kept = events.filter(pl.Series(ok)).select("event_id", "permno", "event_date")
    idx = pos[ok][:, None] + offsets[None, :]
    day = pl.DataFrame({"date": sessions}).with_row_index("s").with_columns(pl.col("s").cast(pl.Int64))
    rets = returns.select("permno", "date", "ret").join(day, on="date", how="inner").drop("date")
    grid = pl.DataFrame({
        "row": np.repeat(np.arange(kept.height), len(offsets)),
        "permno": np.repeat(kept["permno"].to_numpy(), len(offsets)),
        "s": idx.reshape(-1).astype(np.int64),
    })  # fmt: skip
    joined = grid.join(rets.with_columns(pl.col("permno").cast(grid["permno"].dtype)), on=["permno", "s"],
                       how="left", maintain_order="left")  # fmt: skip
    ret = joined["ret"].cast(pl.Float64).fill_null(np.nan).to_numpy().reshape(kept.height, len(offsets))
    cols = {c: cal[c].cast(pl.Float64).to_numpy()[idx] for c in cal.columns if c != "date"}
    return Panel(events=kept, offsets=offsets, ret=ret, factors=cols)


def _design(panel: Panel, model: str) -> tuple[np.ndarray, np.ndarray]:
    """(y, X) arrays of shape (E, L) and (E, L, p) for ``model`` (see the module table)."""
    f, r = panel.factors, panel.ret
    ones = np.ones_like(r)[..., None]
    if model == "mean":
        return r, ones
    if model in ("market", "market_adj"):
        rm = f["mktrf"] + f["rf"]
        if model == "market_adj":
            return r - rm, np.zeros(r.shape + (0,))
        return r, np.concatenate([ones, rm[..., None]], axis=2)
    if model in FF_COLUMNS:
        x = np.stack([f[c] for c in FF_COLUMNS[model]], axis=2)
        return r - f["rf"], np.concatenate([ones, x], axis=2)
    raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")


@dataclass(frozen=True, slots=True)
class AbnormalReturns:
    """Event-window abnormal returns and their standardisation, one row per kept event."""

    events: pl.DataFrame  # event_id, permno, event_date
    offsets: np.ndarray  # (L,) event-window relative days
    ar: np.ndarray  # (E, L)
    sar: np.ndarray  # (E, L) Patell-standardised
    ret: np.ndarray  # (E, L) raw returns
    expected: np.ndarray  # (E, L) expected total returns R − AR
    sigma: np.ndarray  # (E,) estimation residual sd
    n_est: np.ndarray  # (E,) estimation observations
    n_params: int
    dropped: int


def abnormal_returns(
    events: pl.DataFrame, returns: pl.DataFrame, factors: pl.DataFrame, *, model: str = "market",
    windows: Windows | None = None, min_estimation: int | None = None,
) -> AbnormalReturns:  # fmt: skip
    """Abnormal returns of ``events`` under ``model`` (see the module docstring).

    ``factors``: ``date, mktrf, rf`` (+ ``smb, hml, rmw, cma`` for FF models), decimals, daily.
    ``min_estimation`` defaults to half the estimation window.
    """
    w = windows or Windows()
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    panel = build_panel(events, returns, factors, first=w.est_start, last=w.end)
    y, x = _design(panel, model)
    p = x.shape[2]
    est = (panel.offsets >= w.est_start) & (panel.offsets <= w.est_end)
    win = (panel.offsets >= w.start) & (panel.offsets <= w.end)
    mask = est[None, :] & np.isfinite(y) & np.isfinite(x).all(axis=2)
    n_est = mask.sum(axis=1)
    need = min_estimation if min_estimation is not None else (w.est_end - w.est_start + 1) // 2
    keep = (n_est >= max(need, p + 3)) & np.isfinite(y[:, win]).all(axis=1) & np.isfinite(x[:, win]).all(axis=(1, 2))
    y, x, mask, n_est = y[keep], x[keep], mask[keep], n_est[keep]
    xm = np.where(mask[..., None], x, 0.0)
    ym = np.where(mask, y, 0.0)
    if p:
        xtx = np.einsum("elk,elj->ekj", xm, xm)
        b = np.linalg.solve(xtx, np.einsum("elk,el->ek", xm, ym)[..., None])[..., 0]
        fitted = np.einsum("elk,ek->el", np.nan_to_num(x), b)
        inv = np.linalg.inv(xtx)
        lever = np.einsum("elk,ekj,elj->el", np.nan_to_num(x), inv, np.nan_to_num(x))
    else:
        fitted, lever = np.zeros_like(y), np.zeros_like(y)
    resid = np.where(mask, y - fitted, 0.0)
    ddof = p if p else 1
    if not p:  # market-adjusted: the sd of the estimation-window abnormal returns around their mean
        mean = resid.sum(axis=1) / n_est
        resid = np.where(mask, y - mean[:, None], 0.0)
    sigma = np.sqrt((resid**2).sum(axis=1) / (n_est - ddof))
    ar = (y - fitted)[:, win]
    sar = ar / (sigma[:, None] * np.sqrt(1.0 + lever[:, win]))
    ret = panel.ret[keep][:, win]
    return AbnormalReturns(
        events=panel.events.filter(pl.Series(keep)), offsets=panel.offsets[win], ar=ar, sar=sar, ret=ret,
        expected=ret - ar, sigma=sigma, n_est=n_est, n_params=p, dropped=int((~keep).sum()) + events.height
        - panel.events.height,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test: statistic, two-sided p-value and what it is."""

    name: str
    statistic: float
    p_value: float
    note: str


def _two_sided_t(t: float, dof: int) -> float:
    return float(2.0 * stats.t.sf(abs(t), dof)) if dof > 0 and math.isfinite(t) else math.nan


def event_tests(ars: AbnormalReturns) -> list[TestResult]:
    """Cross-sectional t, Patell Z, BMP t and the sign test of the CARs (module docstring)."""
    n = ars.ar.shape[0]
    if n < 2:
        return []
    car = ars.ar.sum(axis=1)
    csar = ars.sar.sum(axis=1) / math.sqrt(ars.ar.shape[1])
    t_cs = float(car.mean() / (car.std(ddof=1) / math.sqrt(n)))
    dof = ars.n_est - ars.n_params if ars.n_params else ars.n_est - 1
    z_patell = float(csar.sum() / math.sqrt(float((dof / (dof - 2.0)).sum())))
    t_bmp = float(csar.mean() / (csar.std(ddof=1) / math.sqrt(n)))
    positive = int((car > 0).sum())
    z_sign = (positive - n / 2.0) / math.sqrt(n / 4.0)
    p_sign = float(stats.binomtest(positive, n, 0.5).pvalue)
    robust = "standardised; cross-sectional variance (robust to event-induced variance)"
    return [
        TestResult("cross-sectional t", t_cs, _two_sided_t(t_cs, n - 1), f"mean CAR / its standard error, {n - 1} dof"),
        TestResult("Patell Z", z_patell, float(2 * stats.norm.sf(abs(z_patell))), "standardised by each event's own σ"),
        TestResult("BMP t", t_bmp, _two_sided_t(t_bmp, n - 1), robust),
        TestResult("sign Z", z_sign, p_sign, f"{positive} of {n} CARs positive; p exact binomial"),
    ]  # fmt: skip


def car_path(ars: AbnormalReturns, *, confidence: float = 0.95) -> pl.DataFrame:
    """``offset, aar, caar, lo, hi, n`` over the event window: mean AR, cumulative mean AR and a
    ``confidence`` band from the cross-sectional s.d. of the CARs cumulated to each day (t quantile)."""
    n = ars.ar.shape[0]
    cum = np.cumsum(ars.ar, axis=1)
    caar = cum.mean(axis=0) if n else np.full(len(ars.offsets), np.nan)
    half = (
        stats.t.ppf(0.5 + confidence / 2.0, max(n - 1, 1)) * cum.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.nan
    )
    return pl.DataFrame({
        "offset": ars.offsets.astype(np.int64), "aar": ars.ar.mean(axis=0) if n else caar, "caar": caar,
        "lo": caar - half, "hi": caar + half, "n": np.full(len(ars.offsets), n, dtype=np.int64),
    })  # fmt: skip


def per_event(ars: AbnormalReturns) -> pl.DataFrame:
    """One row per event: ``car`` (Σ AR), ``bhar`` (Π(1+R) − Π(1+E[R])), ``csar``, ``sigma``, ``n_est``."""
    return ars.events.with_columns(
        car=pl.Series(ars.ar.sum(axis=1)),
        bhar=pl.Series(np.prod(1.0 + ars.ret, axis=1) - np.prod(1.0 + ars.expected, axis=1)),
        csar=pl.Series(ars.sar.sum(axis=1) / math.sqrt(max(ars.ar.shape[1], 1))),
        sigma=pl.Series(ars.sigma),
        n_est=pl.Series(ars.n_est.astype(np.int64)),
    )


@dataclass(frozen=True, slots=True)
class CalendarTime:
    """Calendar-time portfolio: daily alpha (decimal), its OLS t-statistic, sessions used."""

    alpha: float
    t_stat: float
    n_days: int
    mean_names: float


def calendar_time_alpha(ars: AbnormalReturns, factors: pl.DataFrame, *, model: str = "market") -> CalendarTime:
    """Clustering-robust alternative: each session, the equal-weighted portfolio of the names inside
    their event window; its excess return regressed on mktrf (CAPM; FF3/FF5 factors for those
    models). The intercept is the average daily abnormal return; cross-correlation of events on the
    same dates is in the portfolio's own residual variance."""
    cal = factors.sort("date")
    sessions = cal["date"].to_numpy()
    pos = np.searchsorted(sessions, ars.events["event_date"].to_numpy())
    rows = pl.DataFrame({
        "s": (pos[:, None] + ars.offsets[None, :]).reshape(-1).astype(np.int64),
        "ret": ars.ret.reshape(-1),
    })  # fmt: skip
    port = rows.group_by("s").agg(pl.col("ret").mean(), pl.len().alias("names")).sort("s")
    s = port["s"].to_numpy()
    mean_names = float(port["names"].cast(pl.Float64).mean() or 0.0)  # type: ignore[arg-type]
    cols = FF_COLUMNS.get(model, ("mktrf",))
    y = port["ret"].to_numpy() - cal["rf"].to_numpy()[s]
    x = np.column_stack([np.ones(len(s))] + [cal[c].to_numpy()[s] for c in cols])
    if len(s) <= x.shape[1] + 1:
        return CalendarTime(math.nan, math.nan, len(s), mean_names)
    b, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ b
    s2 = resid @ resid / (len(s) - x.shape[1])
    se = math.sqrt(s2 * np.linalg.inv(x.T @ x)[0, 0])
    return CalendarTime(float(b[0]), float(b[0] / se), len(s), mean_names)
