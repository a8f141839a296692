"""The research API for the Django shell: ``from console import api`` (docs/shell.md shows a session).

Thin wrappers over the services and selectors the pages, commands and tasks use — no analytics of
its own — returning polars frames and the services' own result objects:

==========================  =================================================================
data                        :func:`prices`, :func:`returns`, :func:`fundamentals`, :func:`factors`,
                            :func:`versions`
risk model                  :func:`risk_model` (frames of a built model), :func:`risk_model_build`
signals                     :func:`signals`, :func:`signal` (the one library, by name),
                            :func:`tear_sheet` (IC, quantiles, decay, turnover)
backtests                   :func:`backtest` (synchronous, nothing stored), :func:`backtest_queue`
registry                    :func:`models`, :func:`model` (a registered version, files verified)
attribution                 :func:`attribution` (a ``date, return`` series on FF3/FF5/FF6)
==========================  =================================================================

Why here: the API reaches the backtest engine and the risk model, so it must sit on a floor that
may import ``backtests`` and ``risk``; ``research`` may not. ``console`` is the top floor and the
shell is, like the pages, a way into the whole platform; nothing imports ``console`` (a contract in
pyproject.toml also keeps this module to services, selectors and analytics: no views, no tasks).

Versions: ``version`` is what the warehouse readers take — None (current), a version number or
snapshot tag, or a mapping ``{dataset: version}`` such as a run's ``dataset_versions``. Signals and
tear sheets read the current versions (``research.services.data.load_research_data``), as the
signal reports do; the returned objects say which versions they read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from backtests.configs import BacktestConfig
from backtests.data import load_inputs
from backtests.models import BacktestRun
from backtests.services import backtest_run_create
from backtests.services.execute import simulate
from backtests.services.results import ResultSummary, summarize
from quant.periods import TRADING_DAYS_PER_YEAR
from research import io
from research.analytics.signals import SIGNALS
from research.analytics.tearsheet import TearSheet, tear_sheet_from_prices
from research.models import ModelVersion
from research.services import reports
from research.services.attribution import AttributionFit, attribution_fit, attribution_models_compare, best_model
from research.services.data import ResearchData, load_research_data
from research.services.registry import LoadedModel, model_load_production, verify_files
from risk.models import RiskModelRun
from risk.selectors import succeeded_runs
from risk.services import artifacts as risk_artifacts
from risk.services.model_build import KIND as RISK_KIND
from risk.services.model_build import risk_model_build as _risk_model_build
from warehouse import readers
from warehouse.readers import Version
from warehouse.versions import dataset_versions

__all__ = [
    "attribution", "backtest", "backtest_queue", "factors", "fundamentals", "model", "models", "prices",
    "returns", "risk_model", "risk_model_build", "signal", "signals", "tear_sheet", "versions",
]  # fmt: skip


# --- data ---------------------------------------------------------------------------------------
def versions() -> dict[str, int]:
    """The current version of every published dataset."""
    return dataset_versions()


def prices(start: dt.date, end: dt.date, *, permnos: list[int] | None = None, version: Version = None) -> pl.DataFrame:
    """``crsp_daily`` rows (permno, date, ret, retx, prc, vol, shrout, cfacpr, …) sorted by permno, date.
    ``prc < 0`` is CRSP's bid/ask average on a no-trade day; ``ret`` is a decimal."""
    return readers.crsp_daily(start, end, permnos=permnos, version=version)


def returns(start: dt.date, end: dt.date, *, permnos: list[int] | None = None, version: Version = None) -> pl.DataFrame:
    """Daily total returns (decimals) including delisting returns: ``permno, date, ret`` (+ flags)."""
    return readers.total_returns(start, end, permnos=permnos, version=version).collect().sort("permno", "date")


def fundamentals(
    as_of: dt.date, *, kind: Literal["annual", "quarterly"] = "annual", version: Version = None
) -> pl.DataFrame:
    """The latest Compustat report per firm that was public on ``as_of``, by permno (CCM-linked)."""
    return readers.fundamentals_asof(as_of, kind=kind, by="permno", version=version)


def factors(
    start: dt.date, end: dt.date, *, frequency: Literal["daily", "monthly"] = "daily", version: Version = None
) -> pl.DataFrame:
    """Fama-French factors (decimals per period): ``date, mktrf, smb, hml, rmw, cma, umd, rf``."""
    return readers.ff_factors(frequency, start, end, version=version)


# --- risk model ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RiskModelFrames:
    """A built risk model's published frames (``risk/services/model_build.py`` writes them)."""

    run: RiskModelRun
    factor_returns: pl.DataFrame  # long: date, factor, ret (daily decimal factor returns)
    covariance: pl.DataFrame  # factor + one column per factor, daily variance units (decimal²)
    exposures: pl.DataFrame  # as-of exposures: permno, mktcap, sector, styles, final_vol (daily)
    dataset_versions: dict[str, Any]


def risk_model(as_of: dt.date | None = None) -> RiskModelFrames:
    """The newest built risk model with ``as_of`` on or before the given date (None: the newest).
    LookupError names the command to build one."""
    runs = succeeded_runs()
    if as_of is not None:
        runs = runs.filter(as_of__lte=as_of)
    run = next((r for r in runs[:20] if risk_artifacts.is_published(RISK_KIND, r.version)), None)
    if run is None:
        when = as_of.isoformat() if as_of else "<date>"
        raise LookupError(f"no risk model built{f' as of {when} or earlier' if as_of else ''}: "
                          f"run `python manage.py risk_build --as-of {when}` or api.risk_model_build()")  # fmt: skip

    def frame(name: str) -> pl.DataFrame:
        return risk_artifacts.read_frame(RISK_KIND, run.version, name)

    return RiskModelFrames(
        run, frame("factor_returns"), frame("covariance"), frame("exposures"), dict(run.dataset_versions)
    )


def risk_model_build(as_of: dt.date, *, universe: str = "all") -> RiskModelFrames:
    """Build (or reuse an identical) risk model as of ``as_of`` inline — what ``risk_build`` runs."""
    run = _risk_model_build(as_of=as_of, universe=universe, writer="shell")
    return risk_model(run.as_of)


# --- signals ------------------------------------------------------------------------------------
def signals() -> dict[str, str]:
    """The registered signals (``research/analytics/signals.py``): name -> description."""
    return {name: d.description for name, d in SIGNALS.items()}


@dataclass(frozen=True)
class SignalFrame:
    name: str
    values: pl.DataFrame  # date (month-end formation), asset (permno), value
    data: ResearchData  # the inputs it was computed from (dataset_versions, span, prices, sectors)


def signal(name: str, *, data: ResearchData | None = None) -> SignalFrame:
    """Compute a registered signal on the current warehouse (through the feature cache)."""
    (definition,) = reports.resolve_signals([name])
    data = data or load_research_data()
    return SignalFrame(name, reports.signal_values(definition, data), data)


def tear_sheet(sig: SignalFrame, *, h: int = reports.MAIN_HORIZON, quantiles: int = reports.QUANTILES) -> TearSheet:
    """The IC tear sheet of a :func:`signal` — the numbers of its signal report: IC and rank IC per
    formation date at horizon ``h`` sessions, ``ic_summary`` (mean, std, ICIR per formation period,
    t-stat, hit rate), quantile returns, IC decay over ``reports.HORIZONS``, sector IC, turnover."""
    return tear_sheet_from_prices(sig.values, sig.data.prices, h=h, horizons=reports.HORIZONS, quantiles=quantiles,
                                  periods_per_year=TRADING_DAYS_PER_YEAR, groups=sig.data.sectors)  # fmt: skip


# --- backtests ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BacktestOutcome:
    config: BacktestConfig
    daily: pl.DataFrame  # date, gross/net returns, costs, turnover, … (the engine's daily frame)
    summary: ResultSummary  # total_return, cagr, volatility, sharpe, max_drawdown (decimals), turnover/yr
    dataset_versions: dict[str, Any]


def backtest(config: BacktestConfig | None = None, **settings: Any) -> BacktestOutcome:
    """Run a backtest now, in this process, storing nothing (the same engine and metrics as a job).
    Pass a :class:`BacktestConfig` or its fields (``signal``, ``start``, ``end``, …)."""
    config = config or BacktestConfig(**settings)
    config.validate()
    inputs = load_inputs(config)
    result = simulate(config, inputs)
    return BacktestOutcome(config, result.daily, summarize(result), dict(inputs.dataset_versions))


def backtest_queue(config: BacktestConfig, *, owner: Any, label: str = "") -> BacktestRun:
    """Queue a stored run (a job on the Jobs page, results on /backtests/<id>/); returns its row.
    The same config on the same data returns the existing run."""
    return backtest_run_create(config=config, owner=owner, label=label).run


# --- registry -----------------------------------------------------------------------------------
def models() -> pl.DataFrame:
    """Every registered model version: name, version, kind, stage, author, created, metrics."""
    rows = ModelVersion.objects.select_related("author").order_by("name", "version")
    return pl.DataFrame(
        [
            {
                "name": v.name,
                "version": v.version,
                "kind": v.kind,
                "stage": v.stage,
                "author": v.author.get_username() if v.author else None,
                "created": v.created_at,
                "metrics": dict(v.metrics),
            }
            for v in rows
        ],  # fmt: skip
        schema_overrides={"metrics": pl.Object},
    )


def model(name: str, version: int | None = None) -> LoadedModel:
    """A registered model with its files' sha256 verified: the production version (None) or a
    given version number (any stage). ``.version`` is the row, ``.paths`` the artifact files."""
    if version is None:
        return model_load_production(name)
    row = ModelVersion.objects.filter(name=name, version=version).first()
    if row is None:
        raise LookupError(f"no registered model {name!r} version {version}")
    return LoadedModel(row, verify_files(row))


# --- attribution --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attribution:
    model: str  # the model fitted (the best adjusted R² unless one was asked for)
    fit: AttributionFit  # .result: alpha (per period), alpha_annualised, betas, Newey-West t, R²
    candidates: list[Any]  # every model on the common sample: model, adj_r2, alpha_annualised, n_obs


def attribution(
    series: pl.DataFrame, *, model: str | None = None, frequency: Literal["daily", "monthly"] = "daily",
    factor_frame: pl.DataFrame | None = None,
) -> Attribution:  # fmt: skip
    """Fama-French attribution of a ``date, return`` series (decimal returns, not excess) on the
    warehouse ``ff_factors`` (or ``factor_frame``), as the attribution page of a backtest does."""
    if factor_frame is None:
        factor_frame = io.warehouse_factors(frequency, series["date"].min(), series["date"].max())
    candidates = attribution_models_compare(returns=series, factors=factor_frame, frequency=frequency)
    chosen = model or best_model(candidates)
    fit = attribution_fit(returns=series, factors=factor_frame, model=chosen, frequency=frequency)
    return Attribution(chosen, fit, candidates)
