"""Risk models in the model registry (``research.services.registry``).

Every successful build is registered as a staging ``risk_model`` version named
``risk-model-<universe>``: a copy of the files a consumer needs (:data:`REGISTERED_FILES`), the
build config plus the risk artifact version it came from, the warehouse dataset versions, and the
metrics the promotion gate reads. The gate (``DEFAULT_GATES`` of the registry) asks for
``bias_stat_deviation = |mean out-of-sample bias statistic − 1| <= 0.2``: a model whose forecast
volatilities were right on the hold-out has bias statistics near 1. Registering is idempotent (same
config and dataset versions → the existing version), so rebuilds of unchanged inputs add nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from quant.artifacts import artifact_open
from research.models import ModelVersion
from research.services.registry import RegisterResult, model_version_register
from risk.models import RiskModelRun

REGISTERED_FILES = ("covariance", "specific", "exposures", "factor_returns", "bias")


def registry_name(universe: str) -> str:
    return f"risk-model-{universe}"


def registry_metrics(summary: dict[str, Any]) -> dict[str, float | None]:
    """The registry metrics of a build summary (``bias_stat_deviation`` is what the gate checks)."""
    bias = summary.get("bias_mean")
    return {
        "bias_stat_deviation": abs(float(bias) - 1.0) if bias is not None else None,
        "bias_mean": bias,
        "bias_share_in_band": summary.get("bias_share_in_band"),
        "r2_mean": summary.get("r2_mean"),
        "n_factors": summary.get("n_factors"),
        "stocks_last": summary.get("stocks_last"),
    }


def _copy(source: Path):  # noqa: ANN202
    def write(target: Path) -> None:
        shutil.copyfile(source, target)

    return write


def risk_model_register(run: RiskModelRun, *, author: Any = None) -> RegisterResult:
    """Register the files of a built model (its artifact stored on the row) as a staging ``risk_model`` version."""
    if not run.artifact_path or not run.summary:
        raise ValueError(f"risk model run {run.pk} has no built artifact; nothing to register")
    artifact = artifact_open(run.artifact_path)  # each copied file is checksum-verified first
    return model_version_register(
        name=registry_name(run.universe),
        kind=ModelVersion.Kind.RISK_MODEL,  # type: ignore[arg-type]  # no django-stubs: a choice reads as a tuple
        config={**run.config, "risk_model_version": run.version},
        files={f"{name}.parquet": _copy(artifact.file(f"{name}.parquet")) for name in REGISTERED_FILES},
        dataset_versions=run.dataset_versions,
        metrics=registry_metrics(run.summary),
        author=author,
        description=f"Barra-style risk model as of {run.as_of}, universe {run.universe} (risk artifact {run.version})",
    )
