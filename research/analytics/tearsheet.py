"""A signal's tear sheet from precomputed forward returns (pure polars; no I/O).

Inputs: ``signal`` ``date, asset, value`` and ``fwd`` ``date, asset, h, fwd_ret`` (from
:func:`research.analytics.ic.forward_returns`, already restricted to the signal dates for speed —
the IC only uses pairs on signal dates anyway). Conventions are those of :mod:`research.analytics.ic`
and :mod:`research.analytics.quantiles`: Pearson IC and Spearman rank IC per date (null when fewer
than 3 pairs), ddof = 1, forward returns simple and per horizon (not annualised).

* **Decay**: mean IC / rank IC / t-stat for every horizon in ``fwd``.
* **Main horizon** ``h``: IC time series, the summary (ICIR, t, hit rate), quantile mean returns, the
  long-short spread series, grouped IC (e.g. sector) when ``groups`` is given.
* **Turnover** (top bucket, ``1 - overlap``) and lag-1 rank autocorrelation between consecutive
  signal dates, independent of the horizon.
* Annualised ICIR = ``icir * sqrt(periods_per_year / h)``; ``periods_per_year`` is that of the
  forward-return calendar (daily: ``quant.periods.TRADING_DAYS_PER_YEAR``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from research.analytics import dense, rowstats
from research.analytics.ic import DEFAULT_HORIZONS, ICSummary, grouped_ic, ic_summary, mean_ic_by_group
from research.analytics.quantiles import returns_by_bucket


@dataclass(frozen=True)
class TearSheet:
    """Frames: ``ic`` (date, ic, rank_ic), ``decay`` (h, ic_mean, rank_ic_mean, ic_t_stat, n_dates),
    ``quantiles`` (quantile, mean_ret, n_dates), ``long_short`` (date, long_short), ``group_ic``
    (group, mean_ic, mean_rank_ic, n_dates); summaries of the main horizon ``h``."""

    h: int
    ic: pl.DataFrame
    ic_summary: ICSummary
    rank_ic_summary: ICSummary
    decay: pl.DataFrame
    quantiles: pl.DataFrame
    long_short: pl.DataFrame
    long_short_mean: float | None
    group_ic: pl.DataFrame
    turnover: float | None
    autocorrelation: float | None


def _mean(values: np.ndarray) -> float | None:
    return rowstats.nanmean(values)


def _null(values: np.ndarray) -> pl.Series:
    return pl.Series(values, dtype=pl.Float64).fill_nan(None)


def _sheet(
    signal: pl.DataFrame,
    sig: dense.Matrix,
    fwd: dense.Forward,
    horizons: Sequence[int],
    *,
    h: int,
    quantiles: int,
    periods_per_year: float,
    groups: pl.DataFrame | None,
) -> TearSheet:
    """The tear sheet from the dense signal ``sig`` and forward returns on its axes: one fused pass
    (:func:`research.analytics.rowstats.sheet_arrays`) for every horizon."""
    if h not in horizons:
        raise ValueError(f"no forward returns for the main horizon h={h}")
    lags, arrays = rowstats.sheet_arrays(sig.values, fwd, sorted(set(horizons)), buckets_for=(h,), q=quantiles,
                                         turnover_buckets=(quantiles,))  # fmt: skip
    rows = []
    for hh, a in sorted(arrays.items()):
        s = ic_summary(_null(a.ic), periods_per_year=periods_per_year / hh)
        rows.append({"h": hh, "ic_mean": s.mean, "rank_ic_mean": _mean(a.rank_ic), "ic_t_stat": s.t_stat,
                     "n_dates": s.n_dates})  # fmt: skip
    main = arrays[h]
    assert main.bucket_mean is not None and main.bucket_count is not None
    schema = {"h": pl.Int64, "ic_mean": pl.Float64, "rank_ic_mean": pl.Float64, "ic_t_stat": pl.Float64,
              "n_dates": pl.Int64}  # fmt: skip
    ic = pl.DataFrame({"date": sig.dates, "ic": _null(main.ic), "rank_ic": _null(main.rank_ic)})
    qr = returns_by_bucket(sig.dates, main.bucket_mean, main.bucket_count, quantiles)
    return TearSheet(
        h=h,
        ic=ic,
        ic_summary=ic_summary(ic["ic"], periods_per_year=periods_per_year / h),
        rank_ic_summary=ic_summary(ic["rank_ic"], periods_per_year=periods_per_year / h),
        decay=pl.DataFrame(rows, schema=schema),
        quantiles=qr.mean.select("quantile", "mean_ret", "n_dates"),
        long_short=qr.long_short,
        long_short_mean=qr.long_short_mean,
        group_ic=_group_ic(signal, sig, fwd, h, groups),
        turnover=_mean(lags.turnover[quantiles]),
        autocorrelation=_mean(lags.autocorrelation),
    )


def _group_ic(
    signal: pl.DataFrame, sig: dense.Matrix, fwd: dense.Forward, h: int, groups: pl.DataFrame | None
) -> pl.DataFrame:
    schema = {"group": pl.Utf8, "mean_ic": pl.Float64, "mean_rank_ic": pl.Float64, "n_dates": pl.Int64}
    if groups is None or groups.is_empty():
        return pl.DataFrame(schema=schema)
    return mean_ic_by_group(grouped_ic(signal, sig, fwd.matrix(h), groups.with_columns(pl.col("group").cast(pl.Utf8))))


def tear_sheet(
    signal: pl.DataFrame,
    fwd: pl.DataFrame,
    *,
    h: int,
    quantiles: int = 5,
    periods_per_year: float,
    groups: pl.DataFrame | None = None,
) -> TearSheet:
    """Every metric of one signal; ``fwd`` (long ``date, asset, h, fwd_ret``) holds all horizons,
    ``h`` is the main one. Each horizon is laid once on the signal's dense axes."""
    if fwd.filter(pl.col("h") == h).is_empty():
        raise ValueError(f"no forward returns for the main horizon h={h}")
    sig = dense.pivot(signal, "value")
    mats = {
        int(hh): dense.align(part, "fwd_ret", sig.dates, sig.assets)
        for (hh,), part in fwd.partition_by("h", as_dict=True).items()
    }
    return _sheet(signal, sig, dense.MatrixForward(mats), list(mats), h=h, quantiles=quantiles,
                  periods_per_year=periods_per_year, groups=groups)  # fmt: skip


def tear_sheet_from_prices(
    signal: pl.DataFrame,
    prices: pl.DataFrame,
    *,
    h: int,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    quantiles: int = 5,
    periods_per_year: float,
    groups: pl.DataFrame | None = None,
) -> TearSheet:
    """:func:`tear_sheet` straight from long prices (``date, asset, price``): the price panel is
    pivoted once and forward returns (:data:`research.analytics.ic.CONVENTION`, on the price
    file's own calendar) are row shifts of that matrix, taken only at the signal's dates/assets.
    Same numbers as ``tear_sheet(signal, forward_returns(prices, horizons), ...)``."""
    if h not in horizons:
        raise ValueError(f"the main horizon h={h} is not among the horizons {tuple(horizons)}")
    if any(hh < 1 for hh in horizons):
        raise ValueError("horizons must be positive integers")
    sig, px = dense.pivots((signal, "value"), (prices, "price"))
    fwd = dense.PriceForward.on(px, sig.dates, sig.assets)
    return _sheet(signal, sig, fwd, [int(hh) for hh in horizons], h=h, quantiles=quantiles,
                  periods_per_year=periods_per_year, groups=groups)  # fmt: skip
