"""Model registry: register versioned artifacts, promote through gates, load production with an integrity check.

Files of ``name`` version ``v`` are a `quant.artifacts` folder ``MODELS_DIR/<name>/<v>/`` (kind
``model``, published under the ``models`` domain lock; metrics in the manifest's summary; name,
version, kind, config and author in its extra). The row stores each file's sha256 too;
:func:`verify_files` (promotion, :func:`model_load_production`) re-hashes the files against the
manifest and the row and raises `quant.artifacts.ArtifactCorrupt` on any difference.

Promotion gates (``settings.RESEARCH_PROMOTION_GATES`` overrides :data:`DEFAULT_GATES` per kind):
``{metric: (">=" | "<=", threshold)}``; a missing metric or a failed comparison refuses the
promotion with the reason (:class:`PromotionRefused`).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from quant.artifacts import MANIFEST, ArtifactCorrupt, FileWriter, artifact_open, artifact_publish
from quant.provenance import canonical_json, sha256_text
from research.models import ModelVersion

Stage = ModelVersion.Stage
DEFAULT_GATES: dict[str, dict[str, tuple[str, float]]] = {
    ModelVersion.Kind.ALPHA_COMBINATION: {"oos_ic_mean": (">=", 0.01), "oos_ic_t_stat": (">=", 2.0)},
    ModelVersion.Kind.FACTOR_DEFINITION: {"oos_ic_t_stat": (">=", 2.0)},
    ModelVersion.Kind.RISK_MODEL: {"bias_stat_deviation": ("<=", 0.2)},
}
_OPS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


class PromotionRefused(Exception):
    """A gate failed (or the stage change is not allowed); ``str()`` is the reason."""


def gates_for(kind: str) -> dict[str, tuple[str, float]]:
    configured: Mapping[str, Any] = getattr(settings, "RESEARCH_PROMOTION_GATES", {})
    return {k: tuple(v) for k, v in configured.get(kind, DEFAULT_GATES.get(kind, {})).items()}  # type: ignore[misc]


def gate_failures(version: ModelVersion) -> list[str]:
    """Reasons the version fails its kind's gates (empty when it passes)."""
    failures = []
    for metric, (op, threshold) in gates_for(version.kind).items():
        value = version.metrics.get(metric)
        if not isinstance(value, int | float):
            failures.append(f"{metric} is missing (gate {op} {threshold:g})")
        elif not _OPS[op](float(value), threshold):
            failures.append(f"{metric} = {value:.4g} fails the gate {op} {threshold:g}")
    return failures


def model_dir(name: str, version: int) -> Path:
    return Path(settings.MODELS_DIR) / name / str(version)


@dataclass(frozen=True)
class RegisterResult:
    version: ModelVersion
    created: bool


def model_version_register(
    *,
    name: str,
    kind: str,
    config: Mapping[str, Any],
    files: Mapping[str, FileWriter],
    dataset_versions: Mapping[str, Any],
    metrics: Mapping[str, float | None],
    author: Any = None,
    description: str = "",
) -> RegisterResult:
    """Write the artifact files (``{file name: write(path)}``) and create the staging row.

    Idempotent: the same name, config hash and dataset versions return the existing version.
    """
    from quant.locks import domain_lock

    if not NAME_RE.match(name):
        raise ValueError(f"model name {name!r} must be lowercase letters, digits, '_', '-', '.'")
    if kind not in ModelVersion.Kind.values:
        raise ValueError(f"kind must be one of {ModelVersion.Kind.values}")
    config_hash = sha256_text(canonical_json(dict(config)))
    existing = ModelVersion.objects.filter(name=name, config_hash=config_hash, dataset_versions=dict(dataset_versions))
    if (found := existing.first()) is not None:
        return RegisterResult(found, False)
    with domain_lock("models", writer=f"register:{name}", wait=30.0), transaction.atomic():
        number = (ModelVersion.objects.filter(name=name).aggregate(m=Max("version"))["m"] or 0) + 1
        # No row owns this number, so a folder already there is an orphan (a publish whose transaction
        # rolled back, or a data directory reused with a new database): replace it.
        artifact = artifact_publish(
            model_dir(name, number), kind="model", files=files, dataset_versions=dataset_versions,
            config_hash=config_hash, summary=metrics, replace=True,
            extra={"name": name, "version": number, "model_kind": kind, "config": dict(config),
                   "author": getattr(author, "username", None)},
        )  # fmt: skip
        hashes = {fname: record.sha256 for fname, record in artifact.manifest.files.items()}
        version = ModelVersion.objects.create(
            name=name, version=number, kind=kind, config=dict(config), config_hash=config_hash,
            dataset_versions=dict(dataset_versions), metrics=dict(metrics), files=hashes, path=str(artifact.path),
            code_version=artifact.manifest.code_version, author=author, description=description,
        )  # fmt: skip
    return RegisterResult(version, True)


def model_version_promote(*, version: ModelVersion, user: Any = None, override_gates: bool = False) -> ModelVersion:
    """staging → production after the gates and an integrity check; the old production is archived.

    ``override_gates`` skips the gates (an admin's decision, audited by the caller with its reason);
    the stage rule and the integrity check always apply."""
    if version.stage != Stage.STAGING:
        raise PromotionRefused(f"{version} is {version.stage}: only a staging version can be promoted")
    failures = gate_failures(version)
    if failures and not override_gates:
        raise PromotionRefused("; ".join(failures))
    verify_files(version)
    with transaction.atomic():
        ModelVersion.objects.select_for_update().filter(name=version.name, stage=Stage.PRODUCTION).update(
            stage=Stage.ARCHIVED
        )
        version.stage, version.promoted_at, version.promoted_by = Stage.PRODUCTION, timezone.now(), user
        version.save(update_fields=["stage", "promoted_at", "promoted_by"])
    return version


def verify_files(version: ModelVersion) -> dict[str, Path]:
    """Paths of the version's files after checking each sha256 against its manifest and the registry row."""
    artifact = artifact_open(version.path)
    if {name: record.sha256 for name, record in artifact.manifest.files.items()} != version.files:
        raise ArtifactCorrupt(
            artifact.path / MANIFEST, f"{version}: the manifest's files do not match the registry row (re-register)"
        )
    return artifact.verify()


@dataclass(frozen=True)
class LoadedModel:
    version: ModelVersion
    paths: dict[str, Path]


def model_load_production(name: str) -> LoadedModel:
    """The production version of ``name`` with verified file paths (LookupError when there is none)."""
    version = ModelVersion.objects.filter(name=name, stage=Stage.PRODUCTION).first()
    if version is None:
        raise LookupError(f"no production version of {name!r}; promote one at /research/models/")
    return LoadedModel(version, verify_files(version))
