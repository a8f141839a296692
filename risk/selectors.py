"""Reads for the risk pages: latest model run, portfolios, exposure history (artifacts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl
from django.db.models import Count, QuerySet

from quant.artifacts import ArtifactCorrupt
from quant.columns import DATE, PERMNO
from quant.models import Job
from research.models import ModelVersion
from research.services.registry import model_load_production
from risk.analytics.bias import bias_confidence_band, rolling_bias
from risk.analytics.covariance import USE4_VRA_HALF_LIFE
from risk.analytics.stress import SCENARIOS
from risk.models import Portfolio, RiskModelRun
from risk.services import artifacts
from risk.services.loaded import load_model
from risk.services.model_build import KIND, factor_forecasts
from risk.services.registry import registry_name
from risk.services.reports import PortfolioReport, portfolio_report, user_window

BIAS_WINDOW = 63  # sessions (about a quarter) per rolling bias statistic
MAX_BIAS_POINTS = 600


def succeeded_runs() -> QuerySet[RiskModelRun]:
    """Runs whose build job succeeded, with their job, newest as-of first."""
    return (
        RiskModelRun.objects.select_related("job")
        .filter(job__status=Job.Status.SUCCEEDED)
        .order_by("-as_of", "-job__finished_at")
    )


def latest_run() -> RiskModelRun | None:
    """The newest succeeded run whose artifact is published."""
    for run in succeeded_runs()[:5]:
        if artifacts.is_published(KIND, run.version):
            return run
    return None


@dataclass(frozen=True)
class DashboardModel:
    """The risk model the pages use: the registry's production version when one is promoted (and its
    files verify), else the latest build; ``note`` says which and why."""

    run: RiskModelRun | None
    production: ModelVersion | None
    note: str


def dashboard_model() -> DashboardModel:
    latest = latest_run()
    if latest is None:
        return DashboardModel(None, None, "")
    try:
        loaded = model_load_production(registry_name(latest.universe))
    except LookupError:
        return DashboardModel(latest, None, "latest build; no version is promoted to production in the model registry")
    except ArtifactCorrupt as exc:
        return DashboardModel(latest, None, f"latest build; the production version failed its integrity check: {exc}")
    version = loaded.version
    run = RiskModelRun.objects.filter(
        version=version.config.get("risk_model_version"), job__status=Job.Status.SUCCEEDED
    ).first()
    if run is None or not artifacts.is_published(KIND, run.version):
        return DashboardModel(latest, None, f"latest build; the artifact of production {version} is gone")
    return DashboardModel(run, version, f"production {version.name} v{version.version}")


def recent_runs(limit: int = 5) -> QuerySet[RiskModelRun]:
    """The newest builds with their job (status, progress, stage) in one query."""
    return RiskModelRun.objects.select_related("job").order_by("-job__created_at", "-pk")[:limit]


def portfolios() -> QuerySet[Portfolio]:
    return Portfolio.objects.annotate(n_holdings=Count("holdings")).order_by("kind", "name")


@lru_cache(maxsize=32)
def _report(
    version: str, portfolio_id: int, updated: dt.datetime, confidence: float, horizon: int,
    window: tuple[dt.date, dt.date] | None, shocks: tuple[tuple[str, float], ...],
) -> PortfolioReport:  # fmt: skip
    run = RiskModelRun.objects.get(version=version)
    portfolio = Portfolio.objects.get(pk=portfolio_id)
    windows = list(SCENARIOS.values()) + ([user_window(*window)] if window else [])
    return portfolio_report(portfolio=portfolio, run=run, confidence=confidence, horizon=horizon, windows=windows,
                            shocks=dict(shocks))  # fmt: skip


def report_for(run: RiskModelRun, portfolio: Portfolio, *, confidence: float = 0.99, horizon: int = 1,
               window: tuple[dt.date, dt.date] | None = None,
               shocks: dict[str, float] | None = None) -> PortfolioReport:  # fmt: skip
    """The portfolio report (cached per model version, holdings update time and parameters)."""
    frozen = tuple(sorted((shocks or {}).items()))
    return _report(run.version, portfolio.pk, portfolio.updated, confidence, horizon, window, frozen)


def exposure_history(run: RiskModelRun, portfolio: Portfolio, *, months: int = 24) -> pl.DataFrame:
    """``date, factor, portfolio, benchmark, active`` at each formation date of the run's exposure
    artifact (last ``months``), holding today's weights fixed (renormalised over names present)."""
    frame = artifacts.read_frame("exposures", run.exposures_version, "exposures")
    dates = frame.get_column(DATE).unique().sort().tail(months)
    frame = frame.filter(pl.col(DATE).is_in(dates.implode()))
    styles = list(run.summary["styles"])
    weights = pl.DataFrame(list(portfolio.holdings.values_list("permno", "weight")), schema=[PERMNO, "w"], orient="row")
    bench_w = pl.col("mktcap") / pl.col("mktcap").sum() if portfolio.benchmark == "cap" else 1.0 / pl.len()
    bench = frame.group_by(DATE).agg([(pl.col(s) * bench_w).sum().alias(s) for s in styles])
    held = frame.join(weights, on=PERMNO, how="inner")
    port = held.group_by(DATE).agg([((pl.col(s) * pl.col("w")).sum() / pl.col("w").sum()).alias(s) for s in styles])
    long = lambda df, name: df.unpivot(index=DATE, on=styles, variable_name="factor", value_name=name)  # noqa: E731
    out = long(port, "portfolio").join(long(bench, "benchmark"), on=[DATE, "factor"], how="right")
    return out.with_columns((pl.col("portfolio").fill_null(0.0) - pl.col("benchmark")).alias("active")).sort(DATE)


def stock_exposures(run: RiskModelRun, portfolio: Portfolio, factor: str, date: dt.date) -> pl.DataFrame:
    """Holdings' exposures to ``factor`` on formation ``date``: ``permno, weight, exposure, contribution``."""
    frame = artifacts.read_frame("exposures", run.exposures_version, "exposures")
    if factor not in frame.columns:
        raise ValueError(f"Unknown factor {factor!r}.")
    weights = pl.DataFrame(list(portfolio.holdings.values_list("permno", "weight")), schema=[PERMNO, "weight"],
                           orient="row")  # fmt: skip
    day = frame.filter(pl.col(DATE) == date).select(PERMNO, "sector", pl.col(factor).alias("exposure"))
    return (
        weights.join(day, on=PERMNO, how="left")
        .with_columns((pl.col("weight") * pl.col("exposure")).alias("contribution"))
        .sort(pl.col("contribution").abs(), descending=True, nulls_last=True)
    )


def heat_color(value: float | None, scale: float = 1.0) -> str:
    """A diverging red/white/blue background for an active exposure (±scale saturates)."""
    if value is None or not np.isfinite(value):
        return "#f3f4f6"
    t = max(-1.0, min(1.0, value / scale))
    light = round(255 - 150 * abs(t))
    return f"rgb({light},{light},255)" if t > 0 else f"rgb(255,{light},{light})"


@dataclass(frozen=True)
class BiasHistory:
    """Rolling bias statistics of the factor volatility forecasts (dimensionless; 1 = right)."""

    window: int
    band: tuple[float, float]
    dates: list[str]
    series: dict[str, list[float | None]]  # "mean of all factors" and each style/market factor


@lru_cache(maxsize=8)
def bias_history(version: str, window: int = BIAS_WINDOW) -> BiasHistory:
    """Rolling ``window``-session bias of each factor's one-step-ahead forecast over the model's
    history (the forecasts the build itself makes: EWMA half-life and regime adjustment of its config)."""
    run = RiskModelRun.objects.get(version=version)
    wide = load_model(version).factor_returns.pivot(on="factor", index=DATE, values="ret").sort(DATE)
    vra = USE4_VRA_HALF_LIFE if run.config.get("vra", True) else None
    f = factor_forecasts(wide, float(run.config.get("vol_half_life", 84)), vra_half_life=vra)
    long = pl.DataFrame(
        {
            DATE: np.repeat(np.array(f.dates, dtype="datetime64[D]"), len(f.factors)),
            "factor": f.factors * len(f.dates),
            "ret": f.x.ravel(),
            "forecast_vol": f.vol.ravel(),
        }
    )
    rolled = rolling_bias(long, window=window, by="factor").drop_nulls("bias")
    mean = rolled.group_by(DATE).agg(pl.col("bias").mean()).sort(DATE)
    shown = [c for c in f.factors if c == "market" or c in run.summary.get("styles", [])]
    wide_bias = mean.rename({"bias": "mean of all factors"}).join(
        rolled.filter(pl.col("factor").is_in(shown)).pivot(on="factor", index=DATE, values="bias"), on=DATE, how="left"
    )
    n = wide_bias.height
    keep = wide_bias.gather(sorted({*range(0, n, max(1, n // MAX_BIAS_POINTS)), n - 1})) if n else wide_bias
    series = {c: [None if v is None else round(v, 4) for v in keep[c].to_list()] for c in keep.columns if c != DATE}
    return BiasHistory(window, bias_confidence_band(window), [d.isoformat() for d in keep[DATE].to_list()], series)
