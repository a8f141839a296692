"""Versioned analytics artifacts: ``ANALYTICS_DIR/<kind>/<version>/`` with Parquet files + manifest.

A version directory is *published* when its ``manifest.json`` exists: files are written first
(each atomically with ``quant.io``), the manifest last, so a reader never sees half a build. The
manifest records the dataset versions read, the config and its hash, the code version and the
sha256 of every file. Writers hold the ``analytics`` domain lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

from quant.io import atomic_write, atomic_write_text, sha256_file
from quant.provenance import code_version

LOCK_DOMAIN = "analytics"
MANIFEST = "manifest.json"


def config_hash(config: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``config`` (sorted keys)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def inputs_version(cfg_hash: str, dataset_versions: dict[str, int], *extra: str) -> str:
    """The artifact version: 20 hex digits of sha256(config hash, dataset versions, extra keys)."""
    payload = json.dumps([cfg_hash, dataset_versions, list(extra)], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def kind_dir(kind: str) -> Path:
    return Path(settings.ANALYTICS_DIR) / kind


def version_dir(kind: str, version: str) -> Path:
    return kind_dir(kind) / version


def is_published(kind: str, version: str) -> bool:
    return (version_dir(kind, version) / MANIFEST).exists()


def write_parquet(folder: Path, name: str, frame: pl.DataFrame) -> str:
    """Write ``frame`` to ``folder/name.parquet`` atomically (re-read as validation); returns sha256."""
    path = folder / f"{name}.parquet"

    def validate(tmp: Path) -> None:
        if pl.read_parquet_schema(tmp) != frame.schema:
            raise ValueError(f"{path}: written schema differs from the frame's")

    atomic_write(path, lambda tmp: frame.write_parquet(tmp, compression="zstd"), validate=validate)
    return sha256_file(path)


@dataclass(frozen=True)
class Manifest:
    kind: str
    version: str
    created: str
    config: dict[str, Any]
    config_hash: str
    dataset_versions: dict[str, int]
    code_version: str
    files: dict[str, str]  # file name -> sha256
    summary: dict[str, Any]


def write_manifest(
    folder: Path, *, kind: str, version: str, config: dict[str, Any], cfg_hash: str,
    dataset_versions: dict[str, int], files: dict[str, str], summary: dict[str, Any],
) -> Manifest:  # fmt: skip
    """Publish a version by writing its manifest last."""
    manifest = Manifest(
        kind=kind,
        version=version,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        config=config,
        config_hash=cfg_hash,
        dataset_versions=dataset_versions,
        code_version=code_version(),
        files=files,
        summary=summary,
    )
    atomic_write_text(folder / MANIFEST, json.dumps(manifest.__dict__, indent=2, sort_keys=True, default=str))
    return manifest


def read_manifest(kind: str, version: str) -> Manifest:
    path = version_dir(kind, version) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"No published {kind} artifact {version} ({path} is missing).")
    return Manifest(**json.loads(path.read_text()))


def read_frame(kind: str, version: str, name: str) -> pl.DataFrame:
    """One Parquet file of a published artifact."""
    path = version_dir(kind, version) / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{kind} artifact {version} has no {name}.parquet.")
    return pl.read_parquet(path)
