"""Risk model build: exposures → daily WLS factor returns → covariance → specific risk → bias.

Artifact ``ANALYTICS_DIR/risk_models/<version>/`` (version = hash of config + dataset versions):

* ``factor_returns.parquet`` (date, factor, ret), ``residuals.parquet`` (date, permno, resid),
  ``r2.parquet`` (date, r2 = √cap-weighted R², r2_equal = equal-weighted R², n_stocks);
* ``covariance.parquet`` (factor × factor, daily), ``specific.parquet`` (permno, specific_vol,
  shrunk_vol, final_vol, n_obs, structural; daily vols), ``exposures.parquet`` (the exposures
  formed at the last month end on or before ``as_of`` with ``final_vol``), ``bias.parquet``;
* a `quant.artifacts` manifest: dataset versions, config hash, code version, sha256s, the summary
  and (extra) the version and config.

Returns are total returns (delisting returns included) in excess of the daily risk-free rate.
The return of session *t* is explained by the exposures formed at the last month end before *t*;
regression weights are √(market cap at formation).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from django.db import transaction

from quant import calendars
from quant.artifacts import artifact_stage
from quant.columns import DATE, PERMNO
from quant.jobs.attempts import job_attempt
from quant.jobs.runner import JobRun, RunOutcome, job_run
from quant.locks import LockBusy, domain_lock
from quant.models import Job
from quant.periods import periods_per_year
from risk.analytics.bias import bias_confidence_band, bias_statistic
from risk.analytics.covariance import (
    USE4_VRA_HALF_LIFE,
    CovarianceConfig,
    estimate_factor_covariance,
    predicted_volatility_path,
    regime_adjusted_volatility_path,
)
from risk.analytics.regression import FactorRegressionResult, factor_returns
from risk.analytics.specific import bayesian_shrinkage, ewma_specific_vol, structural_fill
from risk.models import RiskModelRun
from risk.services import artifacts
from risk.services.exposures import READS as EXPOSURE_READS
from risk.services.exposures import STYLES, ExposureConfig, exposures_build
from warehouse import readers
from warehouse.references import add_reference
from warehouse.versions import dataset_versions

KIND = "risk_models"
JOB_KIND = "risk_build"
BUILD_TIME_LIMIT = 2 * 3600 - 120  # the task's soft time limit, seconds
READS = (*EXPOSURE_READS, "crsp_delist", "ff_factors")
DEFAULT_YEARS = 10
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ModelConfig:
    """Everything a build depends on besides the data (hashed into the version)."""

    as_of: dt.date
    start: dt.date
    universe: str = "all"
    vol_half_life: float = 84
    corr_half_life: float = 504
    nw_lags: int = 2
    eigen_adjust: bool = True
    vra: bool = True
    specific_half_life: float = 84
    holdout: int = 252  # sessions at the end used for the out-of-sample bias statistics
    regression_weights: str = "inverse_specific_var"  # or "sqrt_cap" (USE4's proxy)
    weight_half_life: float = 84

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["as_of"], d["start"] = self.as_of.isoformat(), self.start.isoformat()
        return d


def default_start(as_of: dt.date, first_date: dt.date | None) -> dt.date:
    """Ten years before ``as_of``, but not before one year after the first data date
    (the momentum / volatility descriptors need a year of history)."""
    start = dt.date(as_of.year - DEFAULT_YEARS, as_of.month, 1)
    if first_date is not None:
        start = max(start, first_date + dt.timedelta(days=366))
    return start


def _returns(start: dt.date, end: dt.date, versions: dict[str, int]) -> pl.DataFrame:
    rf = readers.ff_factors("daily", start, end, version=versions).select(DATE, "rf")
    return (
        readers.total_returns(start, end, version=versions)
        .select(PERMNO, DATE, "total_ret")
        .collect()
        .join(rf, on=DATE, how="left")
        .with_columns((pl.col("total_ret") - pl.col("rf").fill_null(0.0)).alias("excess_ret"))
        .drop_nulls("excess_ret")
    )


def _regression_frame(exposures: pl.DataFrame, returns: pl.DataFrame) -> pl.DataFrame:
    """Join each session's returns to the exposures formed at the last month end before it."""
    formations = exposures.get_column(DATE).unique().sort()
    sessions = returns.select(DATE).unique().sort(DATE)
    mapping = sessions.join_asof(
        pl.DataFrame({"formation": formations}).sort("formation"),
        left_on=DATE, right_on="formation", strategy="backward", allow_exact_matches=False,
    ).drop_nulls("formation")  # fmt: skip
    return (
        returns.join(mapping, on=DATE, how="inner")
        .join(exposures.rename({DATE: "formation"}), on=["formation", PERMNO], how="inner")
        .sort(DATE, PERMNO)
    )


def gls_weights(residuals: pl.DataFrame, half_life: float, min_obs: int = 21) -> pl.DataFrame:
    """``date, permno, weight = 1/σ̂²``: σ̂² the EWMA (``half_life`` sessions) of the stock's squared
    first-pass residuals **before** that date (shifted one row, at least ``min_obs`` of them);
    a missing σ̂² takes the date's median, and σ̂² is clipped to [¼, 4] × that median so a few
    quiet names cannot dominate a day's regression."""
    trailing = (pl.col("resid") ** 2).ewm_mean(half_life=half_life, min_samples=min_obs).shift(1)
    s2 = residuals.sort(PERMNO, DATE).with_columns(trailing.over(PERMNO).alias("s2"))
    med = pl.col("s2").median().over(DATE)
    return (
        s2.with_columns(pl.col("s2").fill_null(med))
        .with_columns(pl.col("s2").clip(med * 0.25, med * 4.0))
        .select(DATE, PERMNO, (1.0 / pl.col("s2")).alias("weight"))
    )


def fit_factor_returns(frame: pl.DataFrame, styles: list[str], cfg: ModelConfig) -> FactorRegressionResult:
    """Daily WLS: √cap weights, or (default) a second pass weighted by the inverse of each stock's
    trailing specific variance from the first pass (feasible GLS: ε has unequal variances)."""
    first = factor_returns(frame, styles=styles, industry="sector", cap="mktcap", ret="excess_ret")
    if cfg.regression_weights == "sqrt_cap":
        return first
    if cfg.regression_weights != "inverse_specific_var":
        raise ValueError(f"Unknown regression_weights {cfg.regression_weights!r}.")
    weighted = frame.join(gls_weights(first.residuals, cfg.weight_half_life), on=[DATE, PERMNO], how="inner")
    return factor_returns(weighted, styles=styles, industry="sector", cap="mktcap", ret="excess_ret", weight="weight")


def equal_weighted_r2(frame: pl.DataFrame, residuals: pl.DataFrame) -> pl.DataFrame:
    """Per date ``1 − Σε² / Σ(r − r̄)²`` over the regression's names (equal weights), the planted
    demo model's definition of the cross-sectional R²."""
    return (
        frame.select(DATE, PERMNO, "excess_ret")
        .join(residuals, on=[DATE, PERMNO], how="inner")
        .group_by(DATE)
        .agg(
            (
                1 - (pl.col("resid") ** 2).sum() / ((pl.col("excess_ret") - pl.col("excess_ret").mean()) ** 2).sum()
            ).alias("r2_equal")
        )
    )


@dataclass(frozen=True)
class FactorForecasts:
    """Daily factor returns ``x`` (``T x K``, days with a missing factor return dropped) on ``dates``
    with their one-step-ahead EWMA volatility forecasts, before (``raw``) and after (``vol``) the
    volatility-regime adjustment."""

    dates: list[dt.date]
    factors: list[str]
    x: np.ndarray
    raw: np.ndarray
    vol: np.ndarray


def factor_forecasts(wide: pl.DataFrame, half_life: float, *, vra_half_life: float | None) -> FactorForecasts:
    """σ_{t|t−1} of every factor from the factor returns before *t* only (``wide``: date + one
    column per factor), as the model's covariance forecasts them."""
    factors = [c for c in wide.columns if c != DATE]
    x = wide.select(factors).to_numpy()
    ok = np.all(np.isfinite(x), axis=1)
    x = x[ok]
    raw = predicted_volatility_path(x, half_life)
    vol = regime_adjusted_volatility_path(x, raw, vra_half_life) if vra_half_life and x.shape[0] else raw
    return FactorForecasts(wide[DATE].filter(pl.Series(ok)).to_list(), factors, x, raw, vol)


def bias_table(wide: pl.DataFrame, half_life: float, holdout: int, *, vra_half_life: float | None) -> pl.DataFrame:
    """Out-of-sample bias statistic per factor on the last ``holdout`` sessions.

    σ_{t|t−1} is the EWMA forecast (half-life ``half_life``) from the factor returns before *t*
    only — with the volatility-regime adjustment through time when ``vra_half_life`` is set, as
    the model's covariance uses — so every forecast in the held-out window comes from earlier
    data. Days with a missing factor return are dropped (as in the covariance estimate).
    """
    schema = {"factor": pl.String, "bias": pl.Float64, "bias_raw": pl.Float64, "n_obs": pl.Int64,
              "band_lo": pl.Float64, "band_hi": pl.Float64}  # fmt: skip
    if wide.height < holdout + 21:
        return pl.DataFrame(schema=schema)
    f = factor_forecasts(wide, half_life, vra_half_life=vra_half_life)
    if f.x.shape[0] < holdout + 21:
        return pl.DataFrame(schema=schema)
    lo, hi = bias_confidence_band(holdout)
    rows = [
        {"factor": name, "bias": bias_statistic(f.x[-holdout:, k], f.vol[-holdout:, k]),
         "bias_raw": bias_statistic(f.x[-holdout:, k], f.raw[-holdout:, k]), "n_obs": holdout, "band_lo": lo,
         "band_hi": hi}
        for k, name in enumerate(f.factors)
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def _first_data_date(versions: dict[str, int]) -> dt.date | None:
    from warehouse import storage

    m = storage.load_manifest("crsp_daily", versions["crsp_daily"])
    return dt.date.fromisoformat(m.date_min) if m.date_min else None


def _resolve(as_of: dt.date, universe: str, start: dt.date | None) -> tuple[ModelConfig, dict[str, int]]:
    versions = {k: v for k, v in dataset_versions().items() if k in READS}
    missing = sorted(set(READS) - set(versions))
    if missing:
        raise FileNotFoundError(
            f"The warehouse has no {', '.join(missing)}: run `python manage.py warehouse_sync --source demo`."
        )
    session = calendars.previous_session(as_of)
    ExposureConfig(start=session, end=session, universe=universe).top_n()  # validates the universe name
    begin = start or default_start(session, _first_data_date(versions))
    if begin >= session:
        raise ValueError(f"start {begin} must be before as_of {session}.")
    return ModelConfig(as_of=session, start=begin, universe=universe), versions


@dataclass(frozen=True)
class BuildRequest:
    run: RiskModelRun
    created: bool  # a new job was created (it is queued and must be run or queued)


def _reusable(run: RiskModelRun, force: bool) -> bool:
    if run.job.status == Job.Status.SUCCEEDED:
        return not force and artifacts.is_published(KIND, run.version)
    return run.job.status in Job.ACTIVE


def risk_model_request(
    *, as_of: dt.date, universe: str = "all", start: dt.date | None = None, requested_by: object = None,
    force: bool = False,
) -> BuildRequest:  # fmt: skip
    """The run row for these inputs and its job: the existing one when it is queued, running, or
    succeeded with its artifact published (unless ``force``), else a new queued job on the row."""
    cfg, versions = _resolve(as_of, universe, start)
    cfg_hash = artifacts.config_hash(cfg.as_dict())
    version = artifacts.inputs_version(cfg_hash, versions)
    with transaction.atomic():
        run = RiskModelRun.objects.select_for_update().select_related("job").filter(version=version).first()
        job, created = job_attempt(
            current=run.job if run else None, reusable=run is not None and _reusable(run, force), kind=JOB_KIND,
            idempotency_key=f"risk_model:{version}", label=f"Risk model as of {cfg.as_of} ({universe})",
            requested_by=requested_by,
            params={"version": version, "as_of": cfg.as_of.isoformat(), "universe": universe},
        )  # fmt: skip
        if run is None:
            run = RiskModelRun.objects.create(
                job=job, version=version, as_of=cfg.as_of, start=cfg.start, universe=universe, config=cfg.as_dict(),
                config_hash=cfg_hash, dataset_versions=versions,
            )  # fmt: skip
        elif created:
            run.job = job
            run.save(update_fields=["job"])
    return BuildRequest(run, created)


def risk_model_compute(
    *, run: RiskModelRun, writer: str = "risk_build", progress: Progress | None = None
) -> RiskModelRun:
    """Build the artifact of ``run`` and store its summary (the body of its job: no status here).
    Safe to call twice: a published artifact with a stored summary is reused."""
    if artifacts.is_published(KIND, run.version) and run.summary:
        return run
    summary, timings, exposures_version = _build(run, writer, progress)
    with transaction.atomic():
        RiskModelRun.objects.filter(pk=run.pk).update(
            summary=summary, timings=timings, exposures_version=exposures_version,
            artifact_path=str(artifacts.version_dir(KIND, run.version)),
        )  # fmt: skip
        for dataset, v in run.dataset_versions.items():
            add_reference(dataset, int(v), f"{KIND}:{run.version}")
    run.refresh_from_db()
    return run


def risk_model_run(
    *, job_id: int, task_id: str = "", writer: str = "risk_build", progress: Progress | None = None,
    then: Callable[[RiskModelRun], None] | None = None,
) -> RunOutcome:  # fmt: skip
    """Run the build job ``job_id`` (claimed for ``task_id``, or a local id inline), recording the
    stage and fraction on the job; ``then(run)`` runs inside the job after the model is built.
    A no-op when the job is finished or running elsewhere."""

    def body(handle: JobRun) -> str:
        def tick(stage: str, frac: float) -> None:
            handle.progress(frac, stage)
            if progress is not None:
                progress(stage, frac)

        run = risk_model_compute(run=RiskModelRun.objects.get(job_id=job_id), writer=writer, progress=tick)
        if then is not None:
            handle.progress(0.97, "registering the model, building the portfolios", force=True)
            then(run)
        return f"built {run.version}: mean R² {run.summary['r2_mean']:.3f}, {run.summary['n_factors']} factors"

    return job_run(job_id=job_id, task_id=task_id, body=body, expected=(LockBusy, FileNotFoundError),
                   time_limit_seconds=BUILD_TIME_LIMIT)  # fmt: skip


def risk_model_build(
    *, as_of: dt.date, universe: str = "all", start: dt.date | None = None, writer: str = "risk_build",
    progress: Progress | None = None, force: bool = False, requested_by: object = None,
    then: Callable[[RiskModelRun], None] | None = None,
) -> RiskModelRun:  # fmt: skip
    """Build the risk model for these inputs inline, as its job, unless an identical build already
    succeeded (or is running elsewhere). Returns the row with its job."""
    request = risk_model_request(as_of=as_of, universe=universe, start=start, requested_by=requested_by, force=force)
    if request.run.job.status != Job.Status.SUCCEEDED:
        risk_model_run(job_id=request.run.job_id, writer=writer, progress=progress, then=then)
    return RiskModelRun.objects.select_related("job").get(pk=request.run.pk)


def _build(run: RiskModelRun, writer: str, progress: Progress | None) -> tuple[dict, dict, str]:
    tick = progress or (lambda stage, frac: None)
    cfg = ModelConfig(**{**run.config, "as_of": run.as_of, "start": run.start})
    versions = {k: int(v) for k, v in run.dataset_versions.items()}
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    exp_build = exposures_build(
        start=cfg.start - dt.timedelta(days=31), end=cfg.as_of, universe=cfg.universe, writer=writer,
        progress=lambda stage, frac: tick(f"exposures: {stage}", 0.4 * frac),
    )  # fmt: skip
    exposures = artifacts.read_frame("exposures", exp_build.version, "exposures")
    timings["exposures"] = time.perf_counter() - t0
    folder = artifacts.version_dir(KIND, run.version)
    with domain_lock(artifacts.LOCK_DOMAIN, writer=writer, wait=60) as lock, artifact_stage(folder, kind=KIND) as stage:
        t = time.perf_counter()
        frame = _regression_frame(exposures, _returns(cfg.start, cfg.as_of, versions))
        styles = [s for s in STYLES if s in exposures.columns]
        fit = fit_factor_returns(frame, styles, cfg)
        r2 = fit.r2.join(equal_weighted_r2(frame, fit.residuals), on=DATE, how="left").sort(DATE)
        timings["regression"] = time.perf_counter() - t
        tick("regression", 0.6)
        lock.refresh()
        t = time.perf_counter()
        wide = fit.factor_returns_wide()
        cov = estimate_factor_covariance(
            wide, CovarianceConfig(vol_half_life=cfg.vol_half_life, corr_half_life=cfg.corr_half_life,
                                   nw_lags=cfg.nw_lags, eigen_adjust=cfg.eigen_adjust, vra=cfg.vra),
        )  # fmt: skip
        bias = bias_table(wide, cfg.vol_half_life, cfg.holdout, vra_half_life=USE4_VRA_HALF_LIFE if cfg.vra else None)
        timings["covariance"] = time.perf_counter() - t
        tick("covariance", 0.75)
        t = time.perf_counter()
        latest = exposures.filter(pl.col(DATE) == exposures.filter(pl.col(DATE) <= cfg.as_of)[DATE].max())
        specific = _specific(fit.residuals, latest, styles, cfg.specific_half_life)
        timings["specific"] = time.perf_counter() - t
        tick("specific risk", 0.85)
        cov_frame = pl.DataFrame({"factor": cov.factors, **{f: cov.matrix[:, i] for i, f in enumerate(cov.factors)}})
        latest = latest.join(specific.select(PERMNO, "final_vol"), on=PERMNO, how="left")
        outputs = {"factor_returns": fit.factor_returns, "residuals": fit.residuals, "r2": r2,
                   "covariance": cov_frame, "specific": specific, "exposures": latest, "bias": bias}  # fmt: skip
        for name, df in outputs.items():
            stage.write_parquet(name, df)
        timings["total"] = time.perf_counter() - t0
        summary = _summary(fit.factor_returns, r2, cov, bias, latest, styles)
        summary["exposures_version"] = exp_build.version
        # replace: a forced rebuild of the same inputs swaps the folder (the idempotent case keeps it)
        stage.publish(dataset_versions=versions, config_hash=run.config_hash, summary=summary,
                      extra={"version": run.version, "config": cfg.as_dict()}, replace=True)  # fmt: skip
    tick("done", 1.0)
    return summary, {k: round(v, 3) for k, v in timings.items()}, exp_build.version


def _specific(residuals: pl.DataFrame, latest: pl.DataFrame, styles: list[str], half_life: float) -> pl.DataFrame:
    """EWMA specific vol → Bayesian shrinkage by size decile → structural fill for short histories."""
    vols = ewma_specific_vol(residuals, half_life=half_life)
    frame = latest.select(PERMNO, "mktcap", *styles).join(vols, on=PERMNO, how="left")
    shrunk = bayesian_shrinkage(frame, vol="specific_vol", cap="mktcap")
    filled = structural_fill(shrunk, exposures=styles, vol="shrunk_vol", cap="mktcap")
    return filled.select(PERMNO, "specific_vol", "shrunk_vol", "final_vol", pl.col("n_obs").fill_null(0), "structural")


def _mean(values: pl.Series) -> float:
    """The mean of a numeric or boolean column (polars types ``Series.mean()`` as any literal)."""
    mean = values.mean()
    assert isinstance(mean, int | float), f"no mean of {values.name} ({values.dtype}, {values.len()} rows)"
    return float(mean)


def _summary(fr: pl.DataFrame, r2: pl.DataFrame, cov, bias: pl.DataFrame, latest: pl.DataFrame, styles) -> dict:  # noqa: ANN001
    factors = list(cov.factors)
    vols = np.sqrt(np.diag(cov.matrix) * periods_per_year("daily"))
    return {
        "factors": factors,
        "styles": list(styles),
        "n_factors": len(factors),
        "n_days": r2.height,
        "first_date": str(r2[DATE].min()),
        "last_date": str(r2[DATE].max()),
        "r2_mean": _mean(r2["r2"]),
        "r2_equal_mean": _mean(r2["r2_equal"]),
        "stocks_last": latest.height,
        "vra_multiplier": float(cov.vra_multiplier),
        "factor_vol_annual": dict(zip(factors, [float(v) for v in vols], strict=True)),
        "bias": {r["factor"]: round(r["bias"], 4) for r in bias.iter_rows(named=True)},
        "bias_mean": _mean(bias["bias"]) if bias.height else None,
        "bias_share_in_band": _mean((bias["bias"] >= bias["band_lo"]) & (bias["bias"] <= bias["band_hi"]))
        if bias.height
        else None,
        "factor_return_rows": fr.height,
    }
