"""Daily cross-sectional WLS factor-return regression (Barra USE4 style).

Model, for each date ``t`` and stock ``n`` in that day's estimation universe::

    r_nt = f_mkt,t + sum_s D_ns f_s,t + sum_k X_nk f_k,t + u_nt

* ``f_mkt`` is the market (intercept, every stock has exposure 1).
* ``D_ns`` are industry dummies (each stock in exactly one industry).
* ``X_nk`` are style exposures (already standardised by the caller).
* Regression weights ``v_n = sqrt(cap_n)`` (square root of market capitalisation), or a caller's
  ``weight`` column (e.g. inverse specific variances, the GLS choice); the industry constraint
  always uses capitalisation.
* The market and the industries are collinear; the model is identified by the cap-weighted
  sum-to-zero constraint ``sum_s w_s f_s = 0`` with ``w_s`` = the industry's share of the day's
  total capitalisation (Menchero, USE4). We impose it by reparameterising: the last industry
  present on the day, ``S``, gets ``f_S = -sum_{s<S} (w_s / w_S) f_s``, i.e. ``f = R g`` with a
  restriction matrix ``R`` and an unconstrained WLS in ``g`` (restricted least squares).

Returns are daily decimals. R² is the weighted, centred R² (weighted mean removed), the same
definition statsmodels uses for WLS with a constant. Missing-value policy: a row with a null or
non-finite return, exposure, capitalisation (or cap <= 0) or industry is dropped from that day's
regression and gets no residual; an industry with no stocks on a day gets no factor-return row
that day. Days with fewer stocks than parameters are skipped (no rows at all).
Alignment: exposures must be known before the return they explain (the caller lags them, e.g.
exposures as of ``t-1`` joined to returns of ``t``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from quant.columns import DATE, PERMNO, RET

MARKET = "market"


@dataclass(frozen=True)
class FactorRegressionResult:
    """Output of :func:`factor_returns`.

    factor_returns: long frame ``date, factor, ret`` (daily decimal factor returns).
    residuals: long frame ``date, permno, resid`` (specific returns, daily decimals).
    r2: frame ``date, r2, n_stocks`` (weighted centred R² per day).
    """

    factor_returns: pl.DataFrame
    residuals: pl.DataFrame
    r2: pl.DataFrame

    def factor_returns_wide(self) -> pl.DataFrame:
        """Factor returns as a ``date`` x factor frame (columns in model order)."""
        order = self.factor_returns.get_column("factor").unique(maintain_order=True).to_list()
        wide = self.factor_returns.pivot(on="factor", index=DATE, values=RET)
        return wide.select(DATE, *order).sort(DATE)


@dataclass(frozen=True)
class _Day:
    coef: np.ndarray  # (1 + n_ind_total + K,) with NaN for absent industries
    resid: np.ndarray
    r2: float


def restriction_matrix(industry_caps: np.ndarray, n_styles: int) -> np.ndarray:
    """Matrix ``R`` mapping unconstrained params ``g`` to ``f = R g`` under the cap constraint.

    Parameters
    ----------
    industry_caps: (S,) total capitalisation of each industry present (all > 0).
    n_styles: number of style factors K.

    Returns
    -------
    (1 + S + K, S + K) array; column order market, industries[:-1], styles. The last industry
    row is ``-w_s / w_S``, so ``sum_s w_s f_s = 0`` holds for any ``g``.
    """
    n_ind = industry_caps.shape[0]
    restrict = np.zeros((1 + n_ind + n_styles, n_ind + n_styles))
    restrict[0, 0] = 1.0
    restrict[1:n_ind, 1:n_ind] = np.eye(n_ind - 1)
    restrict[n_ind, 1:n_ind] = -industry_caps[:-1] / industry_caps[-1]
    restrict[1 + n_ind :, n_ind:] = np.eye(n_styles)
    return restrict


def solve_day(
    ret: np.ndarray,
    cap: np.ndarray,
    industry: np.ndarray,
    styles: np.ndarray,
    n_industries: int,
    weights: np.ndarray | None = None,
) -> _Day | None:
    """Solve one day's constrained WLS; ``industry`` holds integer codes in ``[0, n_industries)``.

    Builds the normal equations ``Aᵀ V A`` of the full design ``A = [1, D, X]`` from sufficient
    statistics (dummy blocks are per-industry sums, so no N x S dummy matrix is formed), then
    solves ``(Rᵀ AᵀVA R) g = Rᵀ AᵀV r`` and maps back ``f = R g``. Returns ``None`` when the
    day has fewer stocks than free parameters.
    """
    present, local = np.unique(industry, return_inverse=True)
    n_ind, n_sty = present.shape[0], styles.shape[1]
    n_obs = ret.shape[0]
    if n_obs < n_ind + n_sty + 1:
        return None
    weight = np.sqrt(cap) if weights is None else weights
    wx = np.asfortranarray(styles * weight[:, None])  # contiguous columns for bincount
    w_ind = np.bincount(local, weights=weight, minlength=n_ind)
    dim = 1 + n_ind + n_sty
    gram = np.empty((dim, dim))
    gram[0, 0] = weight.sum()
    gram[0, 1 : 1 + n_ind] = gram[1 : 1 + n_ind, 0] = w_ind
    gram[1 : 1 + n_ind, 1 : 1 + n_ind] = np.diag(w_ind)
    ind_sty = np.zeros((n_ind, n_sty))
    for j in range(n_sty):
        ind_sty[:, j] = np.bincount(local, weights=wx[:, j], minlength=n_ind)
    gram[1 : 1 + n_ind, 1 + n_ind :] = ind_sty
    gram[1 + n_ind :, 1 : 1 + n_ind] = ind_sty.T
    gram[0, 1 + n_ind :] = gram[1 + n_ind :, 0] = wx.sum(axis=0)
    gram[1 + n_ind :, 1 + n_ind :] = styles.T @ wx
    wy = weight * ret
    rhs = np.concatenate(([wy.sum()], np.bincount(local, weights=wy, minlength=n_ind), styles.T @ wy))
    restrict = restriction_matrix(np.bincount(local, weights=cap, minlength=n_ind), n_sty)
    g = np.linalg.solve(restrict.T @ gram @ restrict, restrict.T @ rhs)
    f = restrict @ g
    resid = ret - f[0] - f[1 : 1 + n_ind][local] - styles @ f[1 + n_ind :]
    mean = wy.sum() / weight.sum()
    tss = np.sum(weight * (ret - mean) ** 2)
    r2 = 1.0 - np.sum(weight * resid**2) / tss if tss > 0 else float("nan")
    coef = np.full(1 + n_industries + n_sty, np.nan)
    coef[0] = f[0]
    coef[1 + present] = f[1 : 1 + n_ind]
    coef[1 + n_industries :] = f[1 + n_ind :]
    return _Day(coef=coef, resid=resid, r2=float(r2))


def factor_returns(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    styles: Sequence[str],
    industry: str = "industry",
    cap: str = "mktcap",
    ret: str = RET,
    asset: str = PERMNO,
    weight: str | None = None,
) -> FactorRegressionResult:
    """Estimate daily factor returns, residuals and R² by constrained cross-sectional WLS.

    Parameters
    ----------
    frame: long panel, one row per (date, asset) with the return of ``date``, the exposures
        and capitalisation known before it (see module docstring), an industry label and
        ``styles`` columns.
    styles: style exposure column names (used as factor names).
    industry: industry label column (any dtype castable to string; labels become factor names).
    cap: capitalisation column (dollars; only relative sizes matter).
    weight: optional regression-weight column (positive); default ``sqrt(cap)``. Rows with a
        null, non-finite or non-positive weight are dropped like other incomplete rows.
    ret: daily decimal return column.
    asset: identifier column carried into the residuals frame as ``permno``.

    Returns
    -------
    FactorRegressionResult with factor order ``market``, industries (sorted labels), styles.
    """
    styles = list(styles)
    lf = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    extra = [weight] if weight is not None else []
    cols = [DATE, asset, ret, cap, industry, *styles, *extra]
    finite = [pl.col(c).is_finite() for c in (ret, cap, *styles, *extra)]
    if weight is not None:
        finite.append(pl.col(weight) > 0)
    data = (
        lf.select(cols)
        .with_columns(pl.col(industry).cast(pl.String))
        .drop_nulls(cols)
        .filter(pl.all_horizontal(finite) & (pl.col(cap) > 0))
        .collect()
    )
    if not _sorted_by_date_asset(data, asset):
        data = data.sort(DATE, asset)
    labels = sorted(data.get_column(industry).unique().to_list())
    names = [MARKET, *labels, *styles]
    if len(set(names)) != len(names):
        raise ValueError(f"Factor names must be unique; got {names}.")
    codes = data.get_column(industry).replace_strict(labels, list(range(len(labels))), return_dtype=pl.Int64)
    codes_np = codes.to_numpy()
    ret_np = data.get_column(ret).to_numpy()
    cap_np = data.get_column(cap).to_numpy()
    w_np = data.get_column(weight).to_numpy() if weight is not None else None
    # Column-major (polars' native layout): each day's rows slice into contiguous columns.
    sty_np = (
        np.asfortranarray(data.select(styles).to_numpy(), dtype=np.float64) if styles else np.empty((data.height, 0))
    )
    dates = data.get_column(DATE)
    starts = np.flatnonzero(np.r_[True, (dates.to_numpy()[1:] != dates.to_numpy()[:-1])])
    ends = np.r_[starts[1:], data.height]

    coefs, r2s, n_stocks, day_idx, resid_parts, resid_rows = [], [], [], [], [], []
    for i, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        w_day = w_np[lo:hi] if w_np is not None else None
        day = solve_day(ret_np[lo:hi], cap_np[lo:hi], codes_np[lo:hi], sty_np[lo:hi], len(labels), w_day)
        if day is None:
            continue
        coefs.append(day.coef)
        r2s.append(day.r2)
        n_stocks.append(hi - lo)
        day_idx.append(i)
        resid_parts.append(day.resid)
        resid_rows.append(np.arange(lo, hi))
    return _assemble(data, asset, names, starts, day_idx, coefs, r2s, n_stocks, resid_parts, resid_rows)


def _sorted_by_date_asset(data: pl.DataFrame, asset: str) -> bool:
    """True when rows are strictly increasing in (date, asset): skips a costly re-sort."""
    if data.height < 2:
        return True
    d = data.get_column(DATE).to_physical().to_numpy()
    a = data.get_column(asset).to_numpy()
    step = (d[1:] > d[:-1]) | ((d[1:] == d[:-1]) & (a[1:] > a[:-1]))
    return bool(step.all())


def _assemble(
    data: pl.DataFrame,
    asset: str,
    names: list[str],
    starts: np.ndarray,
    day_idx: list[int],
    coefs: list[np.ndarray],
    r2s: list[float],
    n_stocks: list[int],
    resid_parts: list[np.ndarray],
    resid_rows: list[np.ndarray],
) -> FactorRegressionResult:
    date_col = data.get_column(DATE)
    day_dates = date_col.gather(starts[day_idx]) if day_idx else date_col.clear()
    coef = np.vstack(coefs) if coefs else np.empty((0, len(names)))
    n_days, n_fac = coef.shape
    fr = pl.DataFrame(
        {
            DATE: day_dates.gather(np.repeat(np.arange(n_days), n_fac)),
            "factor": np.tile(np.asarray(names, dtype=object), n_days).tolist(),
            RET: coef.ravel(),
        },
        schema={DATE: date_col.dtype, "factor": pl.String, RET: pl.Float64},
    ).filter(pl.col(RET).is_not_nan())
    rows = np.concatenate(resid_rows) if resid_rows else np.empty(0, dtype=np.int64)
    residuals = pl.DataFrame(
        {
            DATE: date_col.gather(rows),
            PERMNO: data.get_column(asset).gather(rows),
            "resid": np.concatenate(resid_parts) if resid_parts else np.empty(0),
        }
    )
    r2 = pl.DataFrame(
        {DATE: day_dates, "r2": np.asarray(r2s, dtype=np.float64), "n_stocks": n_stocks},
        schema={DATE: date_col.dtype, "r2": pl.Float64, "n_stocks": pl.Int64},
    )
    return FactorRegressionResult(factor_returns=fr, residuals=residuals, r2=r2)
