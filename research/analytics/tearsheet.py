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

from dataclasses import dataclass

import polars as pl

from research.analytics.ic import ICSummary, ic_by_date, ic_summary
from research.analytics.quantiles import quantile_returns, quantile_turnover, rank_autocorrelation


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


def _mean(series: pl.Series) -> float | None:
    value = series.drop_nulls().mean()
    return None if value is None else float(value)  # type: ignore[arg-type]


def _decay(
    signal: pl.DataFrame, fwd: pl.DataFrame, periods_per_year: float
) -> tuple[pl.DataFrame, dict[int, pl.DataFrame]]:
    """The decay table and the per-date IC frame of every horizon (reused for the main horizon)."""
    rows, per_h = [], {}
    for h in sorted(fwd["h"].unique().to_list()):
        per = per_h[int(h)] = ic_by_date(signal, fwd.filter(pl.col("h") == h))
        s = ic_summary(per["ic"], periods_per_year=periods_per_year / h)
        rows.append(
            {"h": int(h), "ic_mean": s.mean, "rank_ic_mean": _mean(per["rank_ic"]), "ic_t_stat": s.t_stat,
             "n_dates": s.n_dates}
        )  # fmt: skip
    schema = {"h": pl.Int64, "ic_mean": pl.Float64, "rank_ic_mean": pl.Float64, "ic_t_stat": pl.Float64,
              "n_dates": pl.Int64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema), per_h


def _group_ic(signal: pl.DataFrame, fwd: pl.DataFrame, groups: pl.DataFrame | None) -> pl.DataFrame:
    schema = {"group": pl.Utf8, "mean_ic": pl.Float64, "mean_rank_ic": pl.Float64, "n_dates": pl.Int64}
    if groups is None or groups.is_empty():
        return pl.DataFrame(schema=schema)
    per = ic_by_date(signal, fwd, groups=groups.with_columns(pl.col("group").cast(pl.Utf8)))
    return (
        per.group_by("group")
        .agg(
            pl.col("ic").mean().alias("mean_ic"),
            pl.col("rank_ic").mean().alias("mean_rank_ic"),
            pl.col("ic").is_not_null().sum().cast(pl.Int64).alias("n_dates"),
        )
        .sort("group")
        .select(list(schema))
    )


def tear_sheet(
    signal: pl.DataFrame,
    fwd: pl.DataFrame,
    *,
    h: int,
    quantiles: int = 5,
    periods_per_year: float,
    groups: pl.DataFrame | None = None,
) -> TearSheet:
    """Every metric of one signal; ``fwd`` holds all horizons, ``h`` is the main one."""
    main = fwd.filter(pl.col("h") == h)
    if main.is_empty():
        raise ValueError(f"no forward returns for the main horizon h={h}")
    decay, per_h = _decay(signal, fwd, periods_per_year)
    per = per_h[h]
    qr = quantile_returns(signal, main, quantiles)
    return TearSheet(
        h=h,
        ic=per.select("date", "ic", "rank_ic"),
        ic_summary=ic_summary(per["ic"], periods_per_year=periods_per_year / h),
        rank_ic_summary=ic_summary(per["rank_ic"], periods_per_year=periods_per_year / h),
        decay=decay,
        quantiles=qr.mean.select("quantile", "mean_ret", "n_dates"),
        long_short=qr.long_short,
        long_short_mean=qr.long_short_mean,
        group_ic=_group_ic(signal, main, groups),
        turnover=_mean(quantile_turnover(signal, quantiles, bucket=quantiles)["turnover"]),
        autocorrelation=_mean(rank_autocorrelation(signal, lag=1)["autocorr"]),
    )
