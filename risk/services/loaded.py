"""Read a published risk model artifact into the analytics' ``FactorModel`` (cached per version)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from quant.columns import PERMNO
from risk.analytics.portfolio import FactorModel, build_factor_model
from risk.services import artifacts
from risk.services.model_build import KIND


@dataclass(frozen=True)
class LoadedModel:
    """A risk model ready for portfolio analytics: rows of ``model`` follow ``permnos``."""

    version: str
    model: FactorModel
    permnos: np.ndarray
    exposures: pl.DataFrame  # as-of exposures (permno, mktcap, sector, styles, final_vol), model rows
    factors: list[str]
    styles: list[str]
    factor_returns: pl.DataFrame

    def index(self) -> dict[int, int]:
        return {int(p): i for i, p in enumerate(self.permnos)}

    def long_exposures(self) -> pl.DataFrame:
        """``permno, factor, exposure`` for the stress functions (market 1, sector dummies, styles)."""
        x = self.model.exposures
        return pl.DataFrame(
            {
                PERMNO: np.repeat(self.permnos, len(self.factors)),
                "factor": self.factors * len(self.permnos),
                "exposure": x.ravel(),
            }
        ).filter(pl.col("exposure") != 0.0)

    def benchmark(self, kind: str) -> np.ndarray:
        """Cap-weighted (``cap``) or equal-weighted (``equal``) weights over the model universe."""
        if kind == "equal":
            return np.full(self.permnos.size, 1.0 / self.permnos.size)
        cap = self.exposures.get_column("mktcap").to_numpy()
        return cap / cap.sum()


@lru_cache(maxsize=4)
def load_model(version: str) -> LoadedModel:
    manifest = artifacts.read_manifest(KIND, version)
    cov = artifacts.read_frame(KIND, version, "covariance")
    factors = cov.get_column("factor").to_list()
    matrix = cov.select(factors).to_numpy()
    latest = artifacts.read_frame(KIND, version, "exposures").drop_nulls("final_vol")
    styles = list(manifest.summary["styles"])
    model, permnos = build_factor_model(latest, factors, matrix, latest, industry="sector", vol="final_vol")
    ordered = latest.filter(pl.col(PERMNO).is_in(permnos.implode())).sort(PERMNO)
    return LoadedModel(
        version=version,
        model=model,
        permnos=permnos.to_numpy(),
        exposures=ordered,
        factors=factors,
        styles=styles,
        factor_returns=artifacts.read_frame(KIND, version, "factor_returns"),
    )
