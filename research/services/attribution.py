"""Fama-French attribution of a return file (what ``manage.py attribution`` runs) and its saved form.

:func:`attribution_run` reads the file and the factors (a Ken French file or directory, else the
warehouse ``ff_factors``) and fits the model; :func:`attribution_save` stores the run for a user so
it opens in the console (``research:saved_attribution``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl
from django.contrib.auth.models import AbstractBaseUser

from quant.models import SavedResult
from quant.periods import periods_per_year
from quant.saved.services import chart_indices, file_fingerprint, saved_result_create
from research import io
from research.analytics.attribution import (
    MODELS,
    AttributionResult,
    UpDownResult,
    align_excess_returns,
    factor_regression,
    model_factors,
    rolling_exposures,
    up_down_attribution,
)
from research.services.data import current_versions


@dataclass(frozen=True)
class AttributionRun:
    """One attribution of a return file: the full-sample fit, and optionally the up-/down-market fits
    and the rolling exposures (``date, alpha, <factors>``, one row per full window)."""

    returns_path: Path
    factors_path: Path | None  # None: the warehouse ff_factors (see dataset_versions)
    model: str
    frequency: Literal["daily", "monthly"]
    hac_lags: int | None
    rolling_window: int | None
    result: AttributionResult
    conditional: UpDownResult | None
    rolling: pl.DataFrame | None
    dataset_versions: dict[str, int] = field(default_factory=dict)

    @property
    def convention(self) -> str:
        alignment = "exact dates" if self.frequency == "daily" else "calendar month"
        return f"excess = return - rf; OLS with Newey-West (HAC, Bartlett) errors; alignment: {alignment}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON the command prints (``--format json``)."""
        payload: dict[str, Any] = {"frequency": self.frequency, "convention": self.convention, **self.result.as_dict()}
        if self.conditional is not None:
            payload["conditional"] = self.conditional.as_dict()
        if self.rolling is not None:
            payload["rolling"] = self.rolling.with_columns(self.rolling["date"].cast(str)).to_dicts()
        return payload


def attribution_run(
    *,
    returns: Path | str,
    model: str = "ff3",
    frequency: Literal["daily", "monthly"] = "daily",
    factors: Path | str | None = None,
    hac_lags: int | None = None,
    rolling_window: int | None = None,
    conditional: bool = False,
) -> AttributionRun:
    """Regress the ``date, return`` file on the model's factors (Newey-West t-stats).

    Raises ``research.io.InputError`` or ValueError with a message for the user.
    """
    model_factors(model)  # an unknown model fails before any file is read
    frame = io.read_returns(returns)
    versions: dict[str, int] = {}
    if factors:
        factor_frame = io.french_factors(factors, model=model, frequency=frequency)
    else:
        versions = current_versions(("ff_factors",))
        factor_frame = io.warehouse_factors(frequency)
    fit = attribution_fit(
        returns=frame, factors=factor_frame, model=model, frequency=frequency, hac_lags=hac_lags,
        rolling_window=rolling_window, conditional=conditional,
    )  # fmt: skip
    return AttributionRun(
        returns_path=Path(returns),
        factors_path=Path(factors) if factors else None,
        model=model,
        frequency=frequency,
        hac_lags=hac_lags,
        rolling_window=rolling_window,
        result=fit.result,
        conditional=fit.conditional,
        rolling=fit.rolling,
        dataset_versions=versions,
    )


@dataclass(frozen=True)
class AttributionFit:
    """The fits of one return series on one factor model."""

    result: AttributionResult
    conditional: UpDownResult | None  # None when not asked for
    rolling: pl.DataFrame | None  # None when no window was given


def attribution_fit(
    *,
    returns: pl.DataFrame,
    factors: pl.DataFrame,
    model: str,
    frequency: Literal["daily", "monthly"],
    hac_lags: int | None = None,
    rolling_window: int | None = None,
    conditional: bool = False,
) -> AttributionFit:
    """The one attribution procedure: align ``date, return`` with the factors (excess over rf),
    then the full-sample fit, optionally the up-/down-market fits and rolling exposures. Used by the
    ``attribution`` command and by the attribution of a backtest. Raises ValueError for the user."""
    ppy = periods_per_year(frequency)
    aligned = align_excess_returns(returns, factors, model=model, frequency=frequency)
    return AttributionFit(
        result=factor_regression(aligned, model=model, periods_per_year=ppy, hac_lags=hac_lags),
        conditional=up_down_attribution(aligned, model=model, periods_per_year=ppy, hac_lags=hac_lags)
        if conditional
        else None,
        rolling=rolling_exposures(aligned, model=model, window=rolling_window) if rolling_window else None,
    )


@dataclass(frozen=True)
class ModelFit:
    """One candidate model fitted on the sample every candidate can use (same days for all)."""

    model: str
    adj_r2: float
    alpha_annualised: float  # decimal a year
    n_obs: int


def attribution_models_compare(
    *, returns: pl.DataFrame, factors: pl.DataFrame, frequency: Literal["daily", "monthly"],
    models: tuple[str, ...] = tuple(MODELS),
) -> list[ModelFit]:  # fmt: skip
    """Fit every model (that the factor data has columns for) on the common sample — the days on
    which all their factors exist — so adjusted R² compares like with like. Ordered as ``models``."""
    usable = [m for m in models if all(c in factors.columns for c in MODELS[m])]
    if not usable:
        raise ValueError(f"the factor data has the columns of none of {list(models)}")
    needed = sorted({c for m in usable for c in MODELS[m]} | {"rf"})
    common = factors.drop_nulls(needed)
    ppy = periods_per_year(frequency)
    fits = []
    for m in usable:
        res = factor_regression(align_excess_returns(returns, common, model=m, frequency=frequency), model=m,
                                periods_per_year=ppy)  # fmt: skip
        fits.append(ModelFit(m, res.adj_r2, res.alpha_annualised, res.n_obs))
    return fits


def best_model(fits: list[ModelFit]) -> str:
    """The model with the highest adjusted R² (the first listed on a tie)."""
    return max(fits, key=lambda f: f.adj_r2).model


def _rolling_chart(run: AttributionRun) -> dict[str, Any] | None:
    """The rolling betas thinned to at most ``MAX_CHART_POINTS`` dates (research.js ``exposure`` chart)."""
    if run.rolling is None:
        return None
    rows = run.rolling[chart_indices(run.rolling.height)]
    return {
        "window": run.rolling_window,
        "dates": [d.isoformat() for d in rows["date"]],
        "series": {name: rows[name].to_list() for name in run.result.betas},
    }


def attribution_save(*, run: AttributionRun, owner: AbstractBaseUser) -> SavedResult:
    """Store ``run`` for ``owner``: the printed summary (without the full rolling table) plus the
    thinned rolling exposures, the options, and the input files' names and sha256."""
    summary = {k: v for k, v in run.as_dict().items() if k != "rolling"}
    params = {
        "returns": file_fingerprint(run.returns_path),
        "factors": file_fingerprint(run.factors_path) if run.factors_path else "warehouse ff_factors",
        "model": run.model,
        "frequency": run.frequency,
        "hac_lags": run.hac_lags,
        "rolling_window": run.rolling_window,
        "conditional": run.conditional is not None,
    }
    return saved_result_create(
        kind="attribution",
        title=f"{run.model.upper()} {run.frequency} attribution of {run.returns_path.name}",
        owner=owner,
        params=params,
        result={**summary, "rolling_chart": _rolling_chart(run)},
        dataset_versions=run.dataset_versions,
    )
