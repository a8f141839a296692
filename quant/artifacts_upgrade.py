"""Convert result folders written before `quant.artifacts` into its format (``manage.py artifacts_upgrade``).

The old formats, one per writer: a backtest's ``result.json`` (files ``{series: {path, sha256,
rows}}``; a walk-forward's has ``kind`` and ``diagnostics``), a risk build's ``manifest.json``
(files ``{file: sha256}``), a signal report's ``manifest.json`` (files ``{name: {path, sha256,
rows}}``) and a registered model's ``metadata.json`` (files ``{file: sha256}``). Each folder's files
are checked against the old checksums first: a mismatch is reported and the folder left as it is.
Otherwise the new manifest is written atomically, then the old one removed, so a re-run (or a crash
half way) converts what is left and leaves converted folders alone. Readers only read the new format.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from quant.artifacts import MANIFEST, FileRecord, Manifest
from quant.io import ChecksumMismatch, atomic_write_text, verify_sha256
from quant.provenance import canonical_json, sha256_text

LEGACY_MANIFESTS = ("result.json", "metadata.json", MANIFEST)
MAX_DEPTH = 3  # BACKTESTS_DIR/<id>, ANALYTICS_DIR/<kind>/<version>, ANALYTICS_DIR/signal_reports/<signal>/<id>
CONSUMED = {"files", "kind", "config_hash", "definition_hash", "dataset_versions", "code_version", "created",
            "written_at", "summary", "metrics", "diagnostics", "manifest_version"}  # fmt: skip


@dataclass
class UpgradeReport:
    upgraded: list[Path] = field(default_factory=list)
    corrupt: list[tuple[Path, str]] = field(default_factory=list)


def default_roots() -> list[Path]:
    return [Path(settings.BACKTESTS_DIR), Path(settings.ANALYTICS_DIR), Path(settings.MODELS_DIR)]


def artifacts_upgrade(*, roots: Iterable[Path] | None = None, dry_run: bool = False) -> UpgradeReport:
    """Convert every old-format folder under ``roots`` (default: the backtests, analytics and models dirs)."""
    report = UpgradeReport()
    for old in _legacy_manifests(roots if roots is not None else default_roots()):
        try:
            manifest = legacy_manifest(old)
        except (ValueError, KeyError, TypeError, AttributeError, ChecksumMismatch) as exc:
            report.corrupt.append((old.parent, str(exc)))
            continue
        if not dry_run:
            atomic_write_text(old.parent / MANIFEST, manifest.to_json())
            if old.name != MANIFEST:
                old.unlink()
        report.upgraded.append(old.parent)
    return report


def _legacy_manifests(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.json")):
            depth = len(path.relative_to(root).parts) - 1
            parts = path.relative_to(root).parts[:-1]
            hidden = any(p.startswith(".") or ".attempt-" in p for p in parts)  # staging debris
            if path.name in LEGACY_MANIFESTS and 1 <= depth <= MAX_DEPTH and not hidden and _is_legacy(path):
                yield path


def _is_legacy(path: Path) -> bool:
    if path.name != MANIFEST:
        return not (path.parent / MANIFEST).exists() or _is_legacy(path.parent / MANIFEST)
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return False
    return isinstance(data, dict) and "files" in data and "format_version" not in data


def legacy_manifest(path: Path) -> Manifest:
    """The new manifest of the old-format folder whose manifest is ``path`` (its files verified)."""
    data: dict[str, Any] = json.loads(path.read_text())
    files = {}
    for key, entry in data["files"].items():
        name, digest = (key, entry) if isinstance(entry, str) else (entry["path"], entry["sha256"])
        verify_sha256(path.parent / name, digest, use_cache=False)
        files[name] = FileRecord(sha256=digest, bytes=(path.parent / name).stat().st_size)
    created = data.get("created") or data.get("written_at")
    if created is None:
        created = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(timespec="seconds")
    config_hash = data.get("config_hash") or data.get("definition_hash")
    if config_hash is None and "config" in data:  # a walk-forward parent: its row hashes the same text
        config_hash = sha256_text(canonical_json(data["config"]))
    return Manifest(
        kind=_kind(path, data), files=files, dataset_versions=dict(data.get("dataset_versions") or {}),
        code_version=str(data.get("code_version") or "unknown"), config_hash=str(config_hash or ""),
        created=str(created), summary=dict(data.get("summary") or data.get("metrics") or data.get("diagnostics") or {}),
        extra={k: v for k, v in data.items() if k not in CONSUMED},
    )  # fmt: skip


def _kind(path: Path, data: dict[str, Any]) -> str:
    if path.name == "result.json":
        return "walk_forward" if data.get("kind") == "walk_forward" else "backtest"
    if path.name == "metadata.json":
        return "model"
    return "signal_report" if "signal" in data else str(data["kind"])
