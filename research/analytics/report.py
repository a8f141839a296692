"""Alpha report: every IC/quantile metric of one signal for several horizons (pure polars).

Annualisation: for horizon ``h`` (in signal/price dates) the annualised ICIR is
``icir * sqrt(periods_per_year / h)`` — the number of non-overlapping h-period bets per year.
``periods_per_year`` is passed explicitly (e.g. ``quant.periods.periods_per_year("daily")``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import polars as pl

from research.analytics import dense, rowstats
from research.analytics.ic import CONVENTION, grouped_ic, ic_summary, mean_ic_by_group
from research.analytics.quantiles import returns_by_bucket
from research.qlib_adapter import Backend, compute_ic, use_qlib


@dataclass(frozen=True)
class HorizonReport:
    """Metrics of one horizon. Returns are simple decimals per horizon (not annualised)."""

    h: int
    ic: dict[str, float | int | None]
    rank_ic: dict[str, float | int | None]
    n_pairs: int
    dropped_no_forward_return: int
    dropped_null_signal: int
    null_ic_dates: list[str]
    sign_agreement: float | None
    quantile_mean_returns: dict[str, float | None]
    long_short_mean: float | None
    group_mean_ic: dict[str, dict[str, float | int | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class AlphaReport:
    """The whole report; ``as_dict()`` is JSON-serialisable."""

    convention: str
    quantiles: int
    periods_per_year: float
    n_signal_rows: int
    n_dates: int
    n_assets: int
    turnover_top: float | None
    turnover_bottom: float | None
    rank_autocorrelation_lag1: float | None
    horizons: list[HorizonReport] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _group_ic(
    signal: pl.DataFrame, sig: dense.Matrix, fwd: np.ndarray, groups: pl.DataFrame | None
) -> dict[str, dict[str, float | int | None]]:
    if groups is None:
        return {}
    means = mean_ic_by_group(grouped_ic(signal, sig, fwd, groups))
    return {row.pop("group"): row for row in means.to_dicts()}


def _long_fwd(sig: dense.Matrix, fwd: np.ndarray) -> pl.DataFrame:
    """``date, asset, fwd_ret`` at the signal's cells (the input of a qlib IC)."""
    r, c = np.nonzero(np.isfinite(fwd))
    return pl.DataFrame({"date": sig.dates.gather(r), "asset": sig.assets.gather(c), "fwd_ret": fwd[r, c]})


def _horizon(
    signal: pl.DataFrame,
    sig: dense.Matrix,
    fwd: dense.Forward,
    arrays: rowstats.HorizonArrays,
    h: int,
    q: int,
    ppy: float,
    backend: Backend,
    groups: pl.DataFrame | None,
) -> HorizonReport:
    if use_qlib(backend):
        per_date = compute_ic(signal, _long_fwd(sig, fwd.matrix(h)), backend=backend)
    else:
        per_date = pl.DataFrame({"date": sig.dates, "ic": arrays.ic, "rank_ic": arrays.rank_ic}).fill_nan(None)
    n_valid = int(np.isfinite(sig.values).sum())
    n_pairs = int(arrays.n.sum())
    assert arrays.bucket_mean is not None and arrays.bucket_count is not None
    assert arrays.sign_hits is not None and arrays.sign_pairs is not None
    qr = returns_by_bucket(sig.dates, arrays.bucket_mean, arrays.bucket_count, q)
    return HorizonReport(
        h=h,
        ic=ic_summary(per_date["ic"], periods_per_year=ppy / h).as_dict(),
        rank_ic=ic_summary(per_date["rank_ic"], periods_per_year=ppy / h).as_dict(),
        n_pairs=n_pairs,
        dropped_no_forward_return=n_valid - n_pairs,
        dropped_null_signal=signal.height - n_valid,
        null_ic_dates=[d.isoformat() for d in per_date.filter(pl.col("ic").is_null())["date"].to_list()],
        sign_agreement=rowstats.pooled_share(arrays.sign_hits, arrays.sign_pairs),
        quantile_mean_returns={str(k): v for k, v in qr.mean.select("quantile", "mean_ret").rows()},
        long_short_mean=qr.long_short_mean,
        group_mean_ic=_group_ic(signal, sig, fwd.matrix(h), groups),
    )


def alpha_report(
    signal: pl.DataFrame,
    prices: pl.DataFrame,
    *,
    horizons: Sequence[int],
    quantiles: int,
    periods_per_year: float,
    backend: Backend = "auto",
    groups: pl.DataFrame | None = None,
) -> AlphaReport:
    """Build the report of ``signal`` (``date, asset, value``) against ``prices`` (``date, asset, price``).

    Forward returns follow :data:`research.analytics.ic.CONVENTION`; IC per date via
    :func:`research.qlib_adapter.compute_ic` (``backend``). Turnover is the mean membership
    turnover of the top and bottom buckets between consecutive signal dates; autocorrelation is
    the mean lag-1 cross-sectional rank autocorrelation. With ``groups`` (``asset, group`` or
    ``date, asset, group``) each horizon also reports the mean IC within each group.

    Both inputs are pivoted once; every horizon's metrics come from one fused pass over the
    signal's row blocks (:func:`research.analytics.rowstats.sheet_arrays`), as in the tear sheet.
    """
    if periods_per_year <= 0 or not math.isfinite(periods_per_year):
        raise ValueError("periods_per_year must be positive")
    if not horizons or any(h < 1 for h in horizons):
        raise ValueError("horizons must be positive integers")
    if quantiles < 2:
        raise ValueError("q must be at least 2")
    sig, px = dense.pivots((signal, "value"), (prices, "price"))
    fwd = dense.PriceForward.on(px, sig.dates, sig.assets)
    hs = [int(h) for h in horizons]
    lags, arrays = rowstats.sheet_arrays(sig.values, fwd, hs, buckets_for=hs, q=quantiles, signs=True,
                                         turnover_buckets=(quantiles, 1))  # fmt: skip
    reports = [_horizon(signal, sig, fwd, arrays[h], h, quantiles, periods_per_year, backend, groups) for h in hs]
    return AlphaReport(
        convention=CONVENTION,
        quantiles=quantiles,
        periods_per_year=periods_per_year,
        n_signal_rows=signal.height,
        n_dates=signal["date"].n_unique(),
        n_assets=signal["asset"].n_unique(),
        turnover_top=rowstats.nanmean(lags.turnover[quantiles]),
        turnover_bottom=rowstats.nanmean(lags.turnover[1]),
        rank_autocorrelation_lag1=rowstats.nanmean(lags.autocorrelation),
        horizons=reports,
    )
