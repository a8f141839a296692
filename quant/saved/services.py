"""Writes of saved results, and the helpers every saving service uses to describe its inputs and
keep its stored series small."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from quant.io import sha256_file
from quant.models import SavedResult
from quant.provenance import canonical_json, code_version, sha256_text

MAX_RESULT_BYTES = 1_000_000  # a saved result is page data, not an artifact: keep it well under 1 MB
MAX_CHART_POINTS = 1_000  # points kept per stored series (a chart is no sharper than its pixels)


def json_safe(value: Any) -> Any:
    """``value`` as strict JSON: dates as ISO strings, NaN/inf as None, tuples as lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def file_fingerprint(path: Path | str) -> dict[str, Any]:
    """Name and sha256 of an input file; for a directory, the sha256 of its files' names and hashes."""
    p = Path(path)
    if p.is_dir():
        files = {f.name: sha256_file(f) for f in sorted(p.iterdir()) if f.is_file()}
        return {"name": p.name, "sha256": sha256_text(canonical_json(files)), "files": len(files)}
    return {"name": p.name, "sha256": sha256_file(p)}


def chart_indices(n: int, *, limit: int = MAX_CHART_POINTS, keep: Iterable[int] = ()) -> list[int]:
    """Indices of at most about ``limit`` evenly spaced points of an ``n``-point series, always with the
    first, the last and every index in ``keep`` (e.g. the trough of the drawdown)."""
    if n <= limit:
        return list(range(n))
    step = (n - 1) / (limit - 1)
    chosen = {round(i * step) for i in range(limit)} | {0, n - 1} | {k for k in keep if 0 <= k < n}
    return sorted(chosen)


def saved_result_create(
    *,
    kind: str,
    title: str,
    owner: AbstractBaseUser,
    params: Mapping[str, Any],
    result: Mapping[str, Any],
    dataset_versions: Mapping[str, int] | None = None,
) -> SavedResult:
    """Store one result for ``owner``; ValueError for an unknown kind or a result over 1 MB."""
    if kind not in SavedResult.Kind.values:
        raise ValueError(f"unknown saved-result kind {kind!r}; choose one of {SavedResult.Kind.values}")
    stored = json_safe(result)
    size = len(canonical_json(stored).encode("utf-8"))
    if size > MAX_RESULT_BYTES:
        raise ValueError(f"the {kind} result is {size:,} bytes; a saved result holds at most {MAX_RESULT_BYTES:,}")
    return SavedResult.objects.create(
        kind=kind,
        title=title.strip()[:200] or kind,
        owner=owner,
        params=json_safe(params),
        result=stored,
        code_version=code_version()[:100],
        dataset_versions=dict(dataset_versions or {}),
    )
