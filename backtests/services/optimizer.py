"""The risk optimizer in the backtest loop: the engine's ``optimizer`` hook backed by risk models.

At each rebalance date ``t`` the hook uses the latest succeeded ``risk.RiskModelRun`` whose
``as_of <= t`` (its published artifact, ``docs/risk.md``; loaded once per version by
``risk.services.loaded.load_model``) and solves with ``risk.analytics.optimizer.FactorOptimizer``:

* names: the engine's eligible names with a signal that are also in the model (others get 0);
* ``min_variance``: minimise ``wᵀΣw``; ``mean_variance``: maximise ``μᵀw − λ wᵀΣw`` with
  ``μ = z(signal) · ALPHA_PER_SD`` (the signal's cross-sectional z-score, 1 bp/day per s.d.);
* long-only, fully invested (``1ᵀw = 1``, ``0 <= w <= max_weight``), optional two-sided turnover
  cap ``||w − w0||₁ <= turnover`` against the drifted book; infeasible families are relaxed in
  ``RELAX_ORDER`` (turnover first: the first rebalance from cash always trades 100 %).

A config with an optimizer is only valid when a model exists as of its start date; otherwise
:func:`risk_models_for` raises ``ConfigError`` naming ``python manage.py risk_build --as-of <date>``.
"""

from __future__ import annotations

import bisect
import datetime as dt

import numpy as np
import polars as pl

from backtests.analytics.engine import Optimizer
from backtests.configs import BacktestConfig, ConfigError

ALPHA_PER_SD = 1e-4  # expected daily return per cross-sectional s.d. of the signal (mean-variance)


def risk_models_for(config: BacktestConfig) -> list[tuple[dt.date, str]]:
    """``(as_of, version)`` of the succeeded, published risk models usable by ``config``, oldest first.

    Raises :class:`ConfigError` (field ``optimizer``) when none has ``as_of <= config.start``.
    """
    from risk.selectors import succeeded_runs
    from risk.services import artifacts
    from risk.services.model_build import KIND

    rows = succeeded_runs().filter(as_of__lte=config.end).order_by("as_of", "created").values_list("as_of", "version")
    models = [(as_of, version) for as_of, version in rows if artifacts.is_published(KIND, version)]
    if not models or models[0][0] > config.start:
        raise ConfigError(
            {
                "optimizer": f"No risk model as of {config.start} or earlier. Build one with "
                f"`python manage.py risk_build --as-of {config.start}` (a model as of each later "
                "date is used from that date on)."
            }
        )
    return models


def risk_models_available() -> bool:
    """Whether any succeeded risk model exists (the launch form enables the optimizer only then)."""
    from risk.selectors import succeeded_runs

    return succeeded_runs().exists()


def model_for(models: list[tuple[dt.date, str]], date: dt.date) -> str:
    """Version of the latest model with ``as_of <= date`` (``models`` sorted by as_of)."""
    i = bisect.bisect_right([as_of for as_of, _ in models], date)
    if i == 0:
        raise ValueError(f"no risk model as of {date} or earlier")
    return models[i - 1][1]


def make_optimizer(config: BacktestConfig, models: list[tuple[dt.date, str]] | None = None) -> Optimizer:
    """The engine hook for ``config.optimizer`` (see the module docstring)."""
    from risk.analytics.optimizer import FactorOptimizer, PortfolioProblem
    from risk.services.loaded import load_model

    spec = config.optimizer
    assert spec is not None
    models = models if models is not None else risk_models_for(config)
    solver = FactorOptimizer()

    def hook(date: dt.date, alpha: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
        loaded = load_model(model_for(models, date))
        row = {int(p): i for i, p in enumerate(loaded.permnos)}
        names = alpha.filter(pl.col("permno").is_in(list(row))).sort("permno")
        if names.is_empty():
            raise ValueError(f"no name with a signal on {date} is in risk model {loaded.version}")
        idx = np.array([row[int(p)] for p in names["permno"]])
        w0 = (
            names.select("permno").join(current, on="permno", how="left").get_column("weight").fill_null(0.0).to_numpy()
        )
        signal = names["alpha"].to_numpy()
        sd = signal.std()
        mu = (signal - signal.mean()) / sd * ALPHA_PER_SD if sd > 0 else np.zeros_like(signal)
        problem = PortfolioProblem(
            exposures=loaded.model.exposures[idx], factor_cov=loaded.model.factor_cov,
            specific_var=loaded.model.specific_var[idx], objective=spec.objective,
            expected_returns=mu if spec.objective == "mean_variance" else None,
            risk_aversion=spec.risk_aversion, budget=1.0, lower=0.0, upper=spec.max_weight,
            w0=w0 if spec.turnover is not None else None, max_turnover=spec.turnover,
        )  # fmt: skip
        weights = solver.solve(problem, relax=True).weights
        weights = np.where(np.abs(weights) < 1e-9, 0.0, weights)  # solver noise below 1e-9 of NAV
        return pl.DataFrame({"permno": names["permno"], "weight": weights / weights.sum()})

    return hook
