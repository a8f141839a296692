"""Alpha report: every IC/quantile metric of one signal for several horizons (pure polars).

Annualisation: for horizon ``h`` (in signal/price dates) the annualised ICIR is
``icir * sqrt(periods_per_year / h)`` — the number of non-overlapping h-period bets per year.
``periods_per_year`` is passed explicitly (e.g. ``quant.periods.periods_per_year("daily")``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import polars as pl

from research.analytics.ic import CONVENTION, forward_returns, ic_by_date, ic_summary, sign_agreement
from research.analytics.quantiles import quantile_returns, quantile_turnover, rank_autocorrelation
from research.qlib_adapter import Backend, compute_ic


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


def _mean(series: pl.Series) -> float | None:
    value = series.drop_nulls().mean()
    return None if value is None else float(value)  # type: ignore[arg-type]


def _group_ic(
    signal: pl.DataFrame, fwd: pl.DataFrame, groups: pl.DataFrame | None
) -> dict[str, dict[str, float | int | None]]:
    if groups is None:
        return {}
    per = ic_by_date(signal, fwd, groups=groups)
    agg = (
        per.group_by("group")
        .agg(
            pl.col("ic").mean().alias("mean_ic"),
            pl.col("rank_ic").mean().alias("mean_rank_ic"),
            pl.col("ic").is_not_null().sum().cast(pl.Int64).alias("n_dates"),
        )
        .sort("group")
    )
    return {row.pop("group"): row for row in agg.to_dicts()}


def _horizon(
    signal: pl.DataFrame,
    fwd: pl.DataFrame,
    h: int,
    q: int,
    ppy: float,
    backend: Backend,
    groups: pl.DataFrame | None,
) -> HorizonReport:
    per_date = compute_ic(signal, fwd, backend=backend)
    valid_signal = signal.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    with_fwd = valid_signal.join(
        fwd.filter(pl.col("fwd_ret").is_not_null() & pl.col("fwd_ret").is_finite()),
        on=["date", "asset"],
        how="semi",
    )
    qr = quantile_returns(signal, fwd, q)
    return HorizonReport(
        h=h,
        ic=ic_summary(per_date["ic"], periods_per_year=ppy / h).as_dict(),
        rank_ic=ic_summary(per_date["rank_ic"], periods_per_year=ppy / h).as_dict(),
        n_pairs=with_fwd.height,
        dropped_no_forward_return=valid_signal.height - with_fwd.height,
        dropped_null_signal=signal.height - valid_signal.height,
        null_ic_dates=[d.isoformat() for d in per_date.filter(pl.col("ic").is_null())["date"].to_list()],
        sign_agreement=sign_agreement(signal, fwd),
        quantile_mean_returns={str(k): v for k, v in qr.mean.select("quantile", "mean_ret").rows()},
        long_short_mean=qr.long_short_mean,
        group_mean_ic=_group_ic(signal, fwd, groups),
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
    """
    if periods_per_year <= 0 or not math.isfinite(periods_per_year):
        raise ValueError("periods_per_year must be positive")
    fwd_all = forward_returns(prices, horizons)
    reports = [
        _horizon(signal, fwd_all.filter(pl.col("h") == h), h, quantiles, periods_per_year, backend, groups)
        for h in horizons
    ]
    return AlphaReport(
        convention=CONVENTION,
        quantiles=quantiles,
        periods_per_year=periods_per_year,
        n_signal_rows=signal.height,
        n_dates=signal["date"].n_unique(),
        n_assets=signal["asset"].n_unique(),
        turnover_top=_mean(quantile_turnover(signal, quantiles, bucket=quantiles)["turnover"]),
        turnover_bottom=_mean(quantile_turnover(signal, quantiles, bucket=1)["turnover"]),
        rank_autocorrelation_lag1=_mean(rank_autocorrelation(signal, lag=1)["autocorr"]),
        horizons=reports,
    )
