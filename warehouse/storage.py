"""Where warehouse files live and how they are read back safely.

Layout (per dataset, under ``settings.WAREHOUSE_DIR``)::

    <dataset>/v<N>/year=YYYY/part-<sha16>.parquet   immutable version directories; a file unchanged
                                                    since the previous version is a hard link to it
    <dataset>/manifests/<N>.json                    one manifest per version (warehouse.manifest)
    release.json                                    THE pointer: {"release": R, "datasets": {name: N}};
                                                    switching it (one atomic rename) publishes one or
                                                    several datasets together
    <dataset>/current.json                          a copy of the dataset's entry in release.json
                                                    (read only for datasets no release lists yet)
    <dataset>/tags.json                             {"tag name": N}
    <dataset>/.staging-<uuid>/                      a publish in progress (debris if its writer died)
    _quarantine/<dataset>/<timestamp>/              rejected files + validation.json
    _planted/<config hash>/                         planted demo truth (not a dataset)
    catalog.duckdb                                  one view per dataset over its current version
    _verify/last.json                               the last periodic re-hash of the live files
                                                    (`warehouse.services.warehouse_verify_live`)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from quant import io
from warehouse.datasets import ALL_DATASETS, DATASETS, get_spec
from warehouse.manifest import Manifest

STAGING_PREFIX = ".staging-"
VERSION_PREFIX = "v"


class WarehouseError(RuntimeError):
    """Base class of warehouse errors."""


class VersionNotFound(WarehouseError):
    """The requested version or tag does not exist."""


class ChecksumMismatch(WarehouseError, io.ChecksumMismatch):
    """A file's bytes no longer match the sha256 recorded in its manifest."""


def warehouse_dir() -> Path:
    return Path(settings.WAREHOUSE_DIR)


def dataset_dir(dataset: str) -> Path:
    get_spec(dataset)
    return warehouse_dir() / dataset


def manifests_dir(dataset: str) -> Path:
    return dataset_dir(dataset) / "manifests"


def manifest_path(dataset: str, version: int) -> Path:
    return manifests_dir(dataset) / f"{version}.json"


def current_path(dataset: str) -> Path:
    return dataset_dir(dataset) / "current.json"


def tags_path(dataset: str) -> Path:
    return dataset_dir(dataset) / "tags.json"


def version_dir(dataset: str, version: int) -> Path:
    return dataset_dir(dataset) / f"{VERSION_PREFIX}{version}"


def quarantine_dir() -> Path:
    return warehouse_dir() / "_quarantine"


def catalog_path() -> Path:
    return warehouse_dir() / "catalog.duckdb"


def release_path() -> Path:
    return warehouse_dir() / "release.json"


def read_release() -> dict[str, int]:
    """``{dataset: version}`` of the current release (empty before the first release)."""
    try:
        data = json.loads(release_path().read_text())
    except FileNotFoundError:
        return {}
    return {name: int(version) for name, version in data["datasets"].items()}


def current_version(dataset: str) -> int | None:
    """The live version: the dataset's entry in the current release (``release.json``); a warehouse
    published before releases existed falls back to the dataset's own ``current.json``."""
    released = read_release().get(dataset)
    if released is not None:
        return released
    path = current_path(dataset)
    try:
        return int(json.loads(path.read_text())["version"])
    except FileNotFoundError:
        return None


def switch_release(versions: dict[str, int]) -> int:
    """Make ``versions`` live together: one atomic rename of ``release.json`` (the publish), then
    the per-dataset ``current.json`` copies. Call while holding the ``warehouse`` lock."""
    try:
        previous = json.loads(release_path().read_text())
    except FileNotFoundError:
        previous = {"release": 0, "datasets": {}}
        # the first release takes over every dataset published before releases existed
        for name in DATASETS:
            legacy = current_path(name)
            if legacy.exists():
                previous["datasets"][name] = int(json.loads(legacy.read_text())["version"])
    datasets = {**previous["datasets"], **versions}
    number = int(previous["release"]) + 1
    release = {"release": number, "datasets": dict(sorted(datasets.items()))}
    io.atomic_write_text(release_path(), json.dumps(release, indent=2))
    for name, version in versions.items():
        io.atomic_write_text(current_path(name), json.dumps({"dataset": name, "version": version}))
    return number


def list_versions(dataset: str) -> list[int]:
    """Versions that have a manifest, ascending."""
    directory = manifests_dir(dataset)
    if not directory.is_dir():
        return []
    return sorted(int(p.stem) for p in directory.glob("*.json") if p.stem.isdigit())


def read_tags(dataset: str) -> dict[str, int]:
    try:
        return {k: int(v) for k, v in json.loads(tags_path(dataset).read_text()).items()}
    except FileNotFoundError:
        return {}


def load_manifest(dataset: str, version: int) -> Manifest:
    try:
        return Manifest.load(manifest_path(dataset, version))
    except FileNotFoundError:
        raise VersionNotFound(f"{dataset} has no version {version}.") from None


def resolve_version(dataset: str, version: int | str | None = None) -> int:
    """An int version, a tag name, a digit string, or None for the current version."""
    if version is None:
        current = current_version(dataset)
        if current is None:
            raise VersionNotFound(
                f"{dataset} has not been published yet: run `python manage.py warehouse_sync --source demo`."
            )
        return current
    if isinstance(version, int):
        resolved = version
    elif version.isdigit():
        resolved = int(version)
    else:
        tags = read_tags(dataset)
        if version not in tags:
            raise VersionNotFound(f"{dataset} has no tag {version!r} (tags: {', '.join(sorted(tags)) or 'none'}).")
        resolved = tags[version]
    if not manifest_path(dataset, resolved).exists():
        raise VersionNotFound(f"{dataset} has no version {resolved}.")
    return resolved


def published_datasets() -> list[str]:
    released = read_release()
    return [name for name in ALL_DATASETS if name in released or current_path(name).exists()]


# --- checksums on read (the shared, per-process cached check of quant.io) ------------------------
def verify_record_path() -> Path:
    return warehouse_dir() / "_verify" / "last.json"


_FAILED_CACHE: tuple[tuple[str, int], frozenset[str]] | None = None


def read_verify_record() -> dict | None:
    """The last periodic verification: ``{checked_at, files_checked, failed: [path, ...]}`` or None."""
    try:
        return json.loads(verify_record_path().read_text())
    except FileNotFoundError:
        return None


def failed_files() -> frozenset[str]:
    """Paths the last periodic verification found tampered (one stat per call; re-read on change)."""
    global _FAILED_CACHE
    path = verify_record_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return frozenset()
    key = (str(path), stat.st_mtime_ns)
    if _FAILED_CACHE is None or _FAILED_CACHE[0] != key:
        record = read_verify_record() or {}
        _FAILED_CACHE = (key, frozenset(record.get("failed", [])))
    return _FAILED_CACHE[1]


def verify_file(path: Path, expected_sha256: str, *, use_cache: bool = True) -> None:
    """Raise `ChecksumMismatch` naming ``path`` when its bytes do not hash to ``expected_sha256``.

    Cheap on repeat: a file is hashed once per process per (size, mtime); a file the periodic
    verification found tampered is refused even when this process hashed it fine before (a
    tamper can keep size and mtime).
    """
    if use_cache and str(path) in failed_files():
        raise ChecksumMismatch(path, expected_sha256, "other bytes at the last periodic verification")
    io.verify_sha256(path, expected_sha256, use_cache=use_cache, error=ChecksumMismatch)


@dataclass(frozen=True)
class VersionFiles:
    dataset: str
    version: int
    manifest: Manifest
    paths: list[Path]
    years: list[int]


def version_files(
    dataset: str,
    version: int | str | None = None,
    *,
    years: tuple[int, int] | None = None,
    verify: bool = True,
) -> VersionFiles:
    """Absolute paths of a version's files (optionally only partitions in ``years``), checksum-verified."""
    resolved = resolve_version(dataset, version)
    manifest = load_manifest(dataset, resolved)
    base = dataset_dir(dataset)
    chosen = [f for f in manifest.files if years is None or years[0] <= f.year <= years[1]]
    paths = []
    for entry in chosen:
        path = base / entry.path
        if verify:
            verify_file(path, entry.sha256)
        paths.append(path)
    return VersionFiles(dataset, resolved, manifest, paths, [f.year for f in chosen])


def referenced_paths(dataset: str) -> set[Path]:
    """Every file that some manifest of ``dataset`` lists."""
    base = dataset_dir(dataset)
    return {base / f.path for v in list_versions(dataset) for f in load_manifest(dataset, v).files}


def orphans(dataset: str) -> list[Path]:
    """Files and directories no manifest references: staging debris, unpublished version directories."""
    base = dataset_dir(dataset)
    if not base.is_dir():
        return []
    known = referenced_paths(dataset)
    versions = set(list_versions(dataset))
    found: list[Path] = []
    for entry in sorted(base.iterdir()):
        if entry.name.startswith(STAGING_PREFIX):
            found.append(entry)
        elif entry.is_dir() and entry.name.startswith(VERSION_PREFIX) and entry.name[1:].isdigit():
            if int(entry.name[1:]) not in versions:
                found.append(entry)
                continue
            found.extend(p for p in sorted(entry.rglob("*")) if p.is_file() and p not in known)
        elif entry.name.startswith(".") and ".tmp-" in entry.name:
            found.append(entry)
    found.extend(p for p in sorted(manifests_dir(dataset).glob(".*")) if ".tmp-" in p.name)
    return found


def remove_tree(path: Path) -> None:
    """Delete a file or directory tree (bottom-up; a crash midway leaves only more orphans)."""
    if path.is_file() or path.is_symlink():
        path.unlink(missing_ok=True)
        return
    for root, dirs, files in os.walk(path, topdown=False):
        for name in files:
            Path(root, name).unlink(missing_ok=True)
        for name in dirs:
            Path(root, name).rmdir()
    path.rmdir()
