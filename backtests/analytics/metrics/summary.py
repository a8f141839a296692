"""One structured performance summary of a dated return series (what ``perf_report`` prints)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np
import polars as pl

from ._core import DEFAULT_PERIODS_PER_YEAR, Compounding
from .ratios import calmar_ratio, hit_rate, omega_ratio, sharpe_ratio, sortino_ratio
from .relative import alpha_beta, information_ratio, tracking_error
from .returns import annual_return, total_return
from .risk import (
    annual_volatility,
    conditional_value_at_risk,
    downside_risk,
    max_drawdown_info,
    stability_of_timeseries,
    tail_ratio,
    value_at_risk,
)


@dataclass(frozen=True, slots=True)
class BenchmarkSummary:
    """Benchmark-relative metrics over the dates where both series have a return."""

    n_aligned: int
    benchmark_annual_return: float
    alpha: float
    beta: float
    information_ratio: float
    tracking_error: float
    active_annual_return: float


@dataclass(frozen=True, slots=True)
class PerformanceSummary:
    """Every headline metric of a return series plus the conventions used to compute it."""

    start: dt.date | None
    end: dt.date | None
    n_obs: int
    n_missing: int
    total_return: float
    annual_return: float
    annual_volatility: float
    sharpe_ratio: float
    sortino_ratio: float
    downside_risk: float
    max_drawdown: float
    max_drawdown_peak: dt.date | None
    max_drawdown_trough: dt.date | None
    max_drawdown_recovery: dt.date | None
    calmar_ratio: float
    omega_ratio: float
    hit_rate: float
    value_at_risk: float
    conditional_value_at_risk: float
    tail_ratio: float
    stability: float
    skew: float
    excess_kurtosis: float
    benchmark: BenchmarkSummary | None
    conventions: dict[str, str | float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict (dates as ISO strings, non-finite floats as None)."""

        def conv(v: object) -> object:
            if isinstance(v, dt.date):
                return v.isoformat()
            if isinstance(v, float) and not np.isfinite(v):
                return None
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            return v

        return {k: conv(v) for k, v in asdict(self).items()}


def align_on_dates(returns: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """Inner-join two ``date, return`` frames on date, keeping rows where both returns are present.

    Returns ``date, return, other`` sorted by date.
    """
    right = other.select("date", pl.col("return").cast(pl.Float64).fill_nan(None).alias("other"))
    return (
        returns.select("date", pl.col("return").cast(pl.Float64).fill_nan(None))
        .join(right, on="date", how="inner")
        .drop_nulls()
        .sort("date")
    )


def _moments(r: np.ndarray) -> tuple[float, float]:
    if r.size < 3 or np.std(r) == 0:
        return float("nan"), float("nan")
    from scipy import stats

    return float(stats.skew(r, bias=False)), float(stats.kurtosis(r, bias=False))


def performance_summary(
    frame: pl.DataFrame,
    *,
    benchmark: pl.DataFrame | None = None,
    risk_free: float = 0.0,
    periods_per_year: float = DEFAULT_PERIODS_PER_YEAR,
    compounding: Compounding = "geometric",
    confidence: float = 0.95,
) -> PerformanceSummary:
    """Summarise a ``date, return`` frame (simple per-period returns, fractions).

    Missing (null/NaN) returns are dropped and counted in ``n_missing``. ``risk_free`` is a
    per-period rate subtracted for Sharpe, Sortino (as the required return) and alpha/beta.
    Benchmark-relative metrics use only dates present in both frames.
    """
    data = frame.select("date", pl.col("return").cast(pl.Float64).fill_nan(None)).sort("date")
    present = data.drop_nulls("return")
    r = present["return"].to_numpy()
    n_missing = data.height - present.height
    ann = dict(periods_per_year=periods_per_year)
    dd = max_drawdown_info(present, compounding=compounding)
    skew, kurt = _moments(r)
    bench = None
    if benchmark is not None:
        pair = align_on_dates(present, benchmark)
        pr, pb = pair["return"].to_numpy(), pair["other"].to_numpy()
        ab = alpha_beta(pr, pb, risk_free=risk_free, **ann)
        bench = BenchmarkSummary(
            n_aligned=pair.height,
            benchmark_annual_return=annual_return(pb, compounding=compounding, **ann),
            alpha=ab.alpha,
            beta=ab.beta,
            information_ratio=information_ratio(pr, pb, **ann),
            tracking_error=tracking_error(pr, pb, **ann),
            active_annual_return=annual_return(pr, compounding=compounding, **ann)
            - annual_return(pb, compounding=compounding, **ann),
        )
    return PerformanceSummary(
        start=present["date"].min() if present.height else None,  # type: ignore[arg-type]
        end=present["date"].max() if present.height else None,  # type: ignore[arg-type]
        n_obs=int(r.size),
        n_missing=n_missing,
        total_return=total_return(r, compounding=compounding),
        annual_return=annual_return(r, compounding=compounding, **ann),
        annual_volatility=annual_volatility(r, **ann),
        sharpe_ratio=sharpe_ratio(r, risk_free=risk_free, **ann),
        sortino_ratio=sortino_ratio(r, required_return=risk_free, **ann),
        downside_risk=downside_risk(r, required_return=risk_free, **ann),
        max_drawdown=dd.max_drawdown,
        max_drawdown_peak=dd.peak_date,
        max_drawdown_trough=dd.trough_date,
        max_drawdown_recovery=dd.recovery_date,
        calmar_ratio=calmar_ratio(r, compounding=compounding, **ann),
        omega_ratio=omega_ratio(r, risk_free=risk_free, **ann),
        hit_rate=hit_rate(r),
        value_at_risk=value_at_risk(r, confidence=confidence),
        conditional_value_at_risk=conditional_value_at_risk(r, confidence=confidence),
        tail_ratio=tail_ratio(r),
        stability=stability_of_timeseries(r),
        skew=skew,
        excess_kurtosis=kurt,
        benchmark=bench,
        conventions={
            "periods_per_year": periods_per_year,
            "compounding": compounding,
            "risk_free_per_period": risk_free,
            "var_confidence": confidence,
            "volatility": "std(ddof=1) * sqrt(periods_per_year)",
            "annual_return": "(prod(1+r))**(periods_per_year/n_obs) - 1"
            if compounding == "geometric"
            else "mean(r) * periods_per_year",
            "sharpe": "mean(r-rf)/std(r-rf, ddof=1)*sqrt(periods_per_year)",
            "sortino": "mean(r-rf)*periods_per_year / (sqrt(mean(min(r-rf,0)^2))*sqrt(periods_per_year))",
            "max_drawdown": "min(W/max(1, running max W) - 1), W = cumprod(1+r)",
            "var": "historical quantile at 1-confidence (a loss is negative)",
            "missing": "null/NaN returns dropped (n_missing); benchmark metrics on common dates",
        },
    )
