"""Portfolios: holdings writes and the built-in portfolios produced by the optimizer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import transaction

from risk.analytics.optimizer import OptimizationResult, PortfolioProblem, optimize
from risk.models import Holding, Portfolio, RiskModelRun
from risk.services.loaded import LoadedModel, load_model

MIN_WEIGHT = 1e-5  # optimizer weights below this are solver noise, not positions


@dataclass(frozen=True)
class BuiltinSpec:
    name: str
    description: str
    max_weight: float
    sector_band: float  # |portfolio sector weight − benchmark sector weight| <= band
    momentum_min: float | None = None  # lower bound on the portfolio's momentum exposure


BUILTINS = (
    BuiltinSpec(
        "Demo min-variance (optimizer)",
        "Long-only minimum variance from the risk model: fully invested, at most 5 % per name, "
        "sector weights within ±10 points of the cap-weighted benchmark.",
        max_weight=0.05,
        sector_band=0.10,
    ),
    BuiltinSpec(
        "Demo momentum tilt",
        "Long-only minimum variance with a momentum exposure of at least +0.5 (standardised units), "
        "at most 3 % per name, sector weights within ±5 points of the benchmark.",
        max_weight=0.03,
        sector_band=0.05,
        momentum_min=0.5,
    ),
)


def builtin_problem(loaded: LoadedModel, spec: BuiltinSpec) -> tuple[PortfolioProblem, np.ndarray]:
    """The optimisation problem of a built-in portfolio and its sector matrix."""
    sectors = loaded.exposures.get_column("sector").to_numpy()
    labels = sorted(set(sectors.tolist()))
    matrix = np.vstack([(sectors == s).astype(float) for s in labels])
    bench_sector = matrix @ loaded.benchmark("cap")
    factor_lower = None
    if spec.momentum_min is not None:
        factor_lower = np.full(len(loaded.factors), -np.inf)
        factor_lower[loaded.factors.index("momentum")] = spec.momentum_min
    problem = PortfolioProblem(
        exposures=loaded.model.exposures,
        factor_cov=loaded.model.factor_cov,
        specific_var=loaded.model.specific_var,
        objective="min_variance",
        budget=1.0,
        lower=0.0,
        upper=spec.max_weight,
        sector_matrix=matrix,
        sector_lower=np.clip(bench_sector - spec.sector_band, 0.0, None),
        sector_upper=bench_sector + spec.sector_band,
        factor_lower=factor_lower,
    )
    return problem, matrix


def builtin_portfolios_build(*, run: RiskModelRun) -> list[tuple[Portfolio, OptimizationResult]]:
    """Create or refresh the built-in portfolios from ``run`` (idempotent: skipped when they
    already come from this run)."""
    loaded = load_model(run.version)
    out = []
    for spec in BUILTINS:
        existing = Portfolio.objects.filter(name=spec.name, source_run=run).first()
        if existing is not None and existing.holdings.exists():
            continue
        problem, _ = builtin_problem(loaded, spec)
        # relax (factor bounds first) rather than fail the whole risk build: on real market history a
        # mega-cap-led year (2024) leaves no 3 %-capped book with momentum >= +0.5; `relaxed` says so
        result = optimize(problem, relax=True)
        constraints = {"max_weight": spec.max_weight, "sector_band": spec.sector_band,
                       "momentum_min": spec.momentum_min, "objective": "min_variance", "long_only": True,
                       "status": result.status, "daily_risk": result.risk,
                       "relaxed": list(result.relaxed)}  # fmt: skip
        portfolio = portfolio_save(
            name=spec.name, description=spec.description, kind=Portfolio.Kind.BUILTIN, run=run,
            weights=dict(zip(loaded.permnos.tolist(), result.weights.tolist(), strict=True)),
            constraints=constraints,
        )  # fmt: skip
        out.append((portfolio, result))
    return out


@transaction.atomic
def portfolio_save(
    *, name: str, weights: dict[int, float], description: str = "",
    # A TextChoices member is a str; without django-stubs mypy reads `CAP = "cap", "label"` as a tuple.
    kind: str = Portfolio.Kind.MANUAL,  # type: ignore[assignment]
    benchmark: str = Portfolio.Benchmark.CAP,  # type: ignore[assignment]
    run: RiskModelRun | None = None, constraints: dict | None = None,
) -> Portfolio:  # fmt: skip
    """Create or replace portfolio ``name`` with ``weights`` (permno → weight; tiny weights dropped)."""
    portfolio, _ = Portfolio.objects.update_or_create(
        name=name,
        defaults={"description": description, "kind": kind, "benchmark": benchmark, "source_run": run,
                  "constraints": constraints or {}},
    )  # fmt: skip
    portfolio.holdings.all().delete()
    Holding.objects.bulk_create(
        Holding(portfolio=portfolio, permno=int(p), weight=float(w)) for p, w in weights.items() if abs(w) > MIN_WEIGHT
    )
    return portfolio
