"""On-disk expression/feature cache keyed by (dataset versions, definition hash) — like qlib's
ExpressionCache, but content-addressed instead of mtime-based.

``FeatureCache(root).get_or_compute(name, definition_hash=..., dataset_versions=..., compute=...)``
returns the cached frame when a Parquet file for that exact key exists, else computes, writes it
atomically (``quant.io.atomic_write``) and returns it. The key is
``sha256(definition_hash + canonical JSON of the dataset versions)``, so a new warehouse version of
any dataset the feature reads, or any change to the definition (code or params), is a miss; the
stale entries of that name are deleted when the new one is written (one live entry per name).
Writers serialise on the ``analytics`` domain lock; readers need no lock (files appear by rename).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from quant.io import atomic_write


def cache_key(definition_hash: str, dataset_versions: Mapping[str, object]) -> str:
    payload = definition_hash + json.dumps(dict(dataset_versions), sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evicted: list[str] = field(default_factory=list)


def _readable(path: Path) -> None:
    pl.read_parquet_schema(path)


class FeatureCache:
    """Parquet files under ``root/<name>/<key>.parquet``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.stats = CacheStats()

    def path(self, name: str, key: str) -> Path:
        return self.root / name / f"{key}.parquet"

    def get(self, name: str, *, definition_hash: str, dataset_versions: Mapping[str, object]) -> pl.DataFrame | None:
        path = self.path(name, cache_key(definition_hash, dataset_versions))
        if not path.exists():
            return None
        return pl.read_parquet(path)

    def put(
        self, name: str, frame: pl.DataFrame, *, definition_hash: str, dataset_versions: Mapping[str, object]
    ) -> Path:
        from quant.locks import domain_lock

        key = cache_key(definition_hash, dataset_versions)
        path = self.path(name, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with domain_lock("analytics", writer=f"feature-cache:{name}", wait=30.0):
            atomic_write(path, frame.write_parquet, validate=_readable)
            for stale in path.parent.glob("*.parquet"):
                if stale != path:
                    stale.unlink(missing_ok=True)
                    self.stats.evicted.append(stale.stem)
        return path

    def get_or_compute(
        self,
        name: str,
        *,
        definition_hash: str,
        dataset_versions: Mapping[str, object],
        compute: Callable[[], pl.DataFrame],
    ) -> pl.DataFrame:
        cached = self.get(name, definition_hash=definition_hash, dataset_versions=dataset_versions)
        if cached is not None:
            self.stats.hits += 1
            return cached
        self.stats.misses += 1
        frame = compute()
        self.put(name, frame, definition_hash=definition_hash, dataset_versions=dataset_versions)
        return frame
