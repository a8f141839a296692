"""Where the risk app's versioned artifacts live: ``ANALYTICS_DIR/<kind>/<version>/``, one
`quant.artifacts` folder per version (kinds ``exposures`` and ``risk_models``).

The version is a hash of the config and the dataset versions read, so the same inputs find the
published folder and build nothing. Writers hold the ``analytics`` domain lock.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

from quant.artifacts import Manifest, artifact_open
from quant.artifacts import is_published as folder_published

LOCK_DOMAIN = "analytics"


def config_hash(config: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``config`` (sorted keys)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def inputs_version(cfg_hash: str, dataset_versions: dict[str, int], *extra: str) -> str:
    """The artifact version: 20 hex digits of sha256(config hash, dataset versions, extra keys)."""
    payload = json.dumps([cfg_hash, dataset_versions, list(extra)], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def version_dir(kind: str, version: str) -> Path:
    return Path(settings.ANALYTICS_DIR) / kind / version


def is_published(kind: str, version: str) -> bool:
    return folder_published(version_dir(kind, version))


def read_manifest(kind: str, version: str) -> Manifest:
    return artifact_open(version_dir(kind, version)).manifest


def read_frame(kind: str, version: str, name: str) -> pl.DataFrame:
    """One Parquet file of a published artifact, checksum-verified."""
    return artifact_open(version_dir(kind, version)).read_parquet(name)
