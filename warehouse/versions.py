"""Versions of a dataset: tags, diffs, garbage collection, the versions map downstream results record."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb

from quant.io import atomic_write_text
from quant.locks import domain_lock
from warehouse import storage
from warehouse.catalog import sql_list
from warehouse.datasets import DATASETS, get_spec
from warehouse.publish import LOCK_DOMAIN
from warehouse.references import referenced_versions

TAG_FORBIDDEN = set("/\\ ")


class ReferencedVersion(storage.WarehouseError):
    """gc was asked to delete a version that a tag, the pointer or a downstream result references."""


def dataset_versions() -> dict[str, int]:
    """``{dataset: current version}`` for every published dataset — record it with every result."""
    return {name: v for name in DATASETS if (v := storage.current_version(name)) is not None}


def set_tag(dataset: str, version: int | str, name: str, *, writer: str) -> int:
    """Point tag ``name`` at ``version`` (a version, an existing tag, or None-like "current")."""
    if not name or name.isdigit() or TAG_FORBIDDEN & set(name):
        raise ValueError(f"Invalid tag name {name!r}: use letters, digits, '-', '_', '.', not only digits.")
    with domain_lock(LOCK_DOMAIN, writer=writer, wait=30):
        resolved = storage.resolve_version(dataset, None if version == "current" else version)
        tags = storage.read_tags(dataset)
        tags[name] = resolved
        atomic_write_text(storage.tags_path(dataset), json.dumps(tags, indent=2, sort_keys=True))
    return resolved


def remove_tag(dataset: str, name: str, *, writer: str) -> None:
    with domain_lock(LOCK_DOMAIN, writer=writer, wait=30):
        tags = storage.read_tags(dataset)
        if name not in tags:
            raise storage.VersionNotFound(f"{dataset} has no tag {name!r}.")
        del tags[name]
        atomic_write_text(storage.tags_path(dataset), json.dumps(tags, indent=2, sort_keys=True))


def snapshot_all(name: str, *, writer: str) -> dict[str, int]:
    """Tag the current version of every published dataset with ``name`` (a warehouse-wide snapshot)."""
    return {dataset: set_tag(dataset, "current", name, writer=writer) for dataset in storage.published_datasets()}


def protected_versions(dataset: str) -> dict[int, list[str]]:
    """Why each protected version may not be deleted: current pointer, tags, downstream references."""
    why: dict[int, list[str]] = {}
    current = storage.current_version(dataset)
    if current is not None:
        why.setdefault(current, []).append("current")
    for tag, version in storage.read_tags(dataset).items():
        why.setdefault(version, []).append(f"tag {tag}")
    for version, holders in referenced_versions(dataset).items():
        why.setdefault(version, []).extend(f"referenced by {h}" for h in holders)
    return why


@dataclass
class GcResult:
    dataset: str
    deleted: list[int] = field(default_factory=list)
    kept: dict[int, list[str]] = field(default_factory=dict)
    freed_bytes: int = 0


def _delete_version(dataset: str, version: int) -> int:
    """Remove the manifest first (the version stops existing), then its directory."""
    storage.load_manifest(dataset, version)  # raises VersionNotFound
    storage.manifest_path(dataset, version).unlink()
    directory = storage.version_dir(dataset, version)
    freed = sum(p.stat().st_size for p in directory.rglob("*.parquet") if p.stat().st_nlink == 1)
    if directory.exists():
        storage.remove_tree(directory)
    return freed


def gc(
    dataset: str, *, writer: str, versions: list[int] | None = None, keep_last: int = 0, dry_run: bool = False
) -> GcResult:
    """Delete unreferenced versions (or exactly ``versions``; refusing any that is referenced).

    ``keep_last`` keeps the N newest versions besides the protected ones.
    """
    get_spec(dataset)
    with domain_lock(LOCK_DOMAIN, writer=writer, wait=30):
        existing = storage.list_versions(dataset)
        protected = protected_versions(dataset)
        for version in existing[-keep_last:] if keep_last else []:
            protected.setdefault(version, []).append(f"keep-last {keep_last}")
        if versions is not None:
            missing = sorted(set(versions) - set(existing))
            if missing:
                raise storage.VersionNotFound(f"{dataset} has no version(s) {missing}.")
            refused = {v: protected[v] for v in versions if v in protected}
            if refused:
                detail = "; ".join(f"v{v}: {', '.join(w)}" for v, w in sorted(refused.items()))
                raise ReferencedVersion(f"Refusing to delete referenced {dataset} versions: {detail}.")
            targets = sorted(versions)
        else:
            targets = [v for v in existing if v not in protected]
        result = GcResult(dataset, kept={v: w for v, w in protected.items() if v in existing})
        for version in targets:
            if not dry_run:
                result.freed_bytes += _delete_version(dataset, version)
            result.deleted.append(version)
    return result


@dataclass(frozen=True)
class VersionDiff:
    dataset: str
    old: int
    new: int
    rows_added: int
    rows_removed: int
    rows_changed: int
    rows_unchanged: int
    columns_added: list[str]
    columns_removed: list[str]
    dtype_changes: dict[str, tuple[str, str]]
    files_same: list[str]
    files_changed: list[str]
    files_added: list[str]
    files_removed: list[str]
    date_range_old: tuple[str | None, str | None]
    date_range_new: tuple[str | None, str | None]


def _file_diff(old: storage.VersionFiles, new: storage.VersionFiles) -> tuple[list[str], ...]:
    a = {f.year: f.sha256 for f in old.manifest.files}
    b = {f.year: f.sha256 for f in new.manifest.files}
    same = [f"year={y}" for y in sorted(a.keys() & b.keys()) if a[y] == b[y]]
    changed = [f"year={y}" for y in sorted(a.keys() & b.keys()) if a[y] != b[y]]
    return (
        same,
        changed,
        [f"year={y}" for y in sorted(b.keys() - a.keys())],
        [f"year={y}" for y in sorted(a.keys() - b.keys())],
    )


def _row_diff(dataset: str, old: storage.VersionFiles, new: storage.VersionFiles) -> tuple[int, int, int, int]:
    spec = get_spec(dataset)
    if not old.paths or not new.paths:
        return new.manifest.rows, old.manifest.rows, 0, 0
    shared = [c for c in old.manifest.columns if c in new.manifest.columns and c not in spec.key]
    on = " AND ".join(f'o."{k}" = n."{k}"' for k in spec.key)
    same = " AND ".join(f'o."{c}" IS NOT DISTINCT FROM n."{c}"' for c in shared) or "TRUE"
    probe = f'"{spec.key[0]}"'
    sql = f"""
        SELECT count(*) FILTER (WHERE o.{probe} IS NULL),
               count(*) FILTER (WHERE n.{probe} IS NULL),
               count(*) FILTER (WHERE o.{probe} IS NOT NULL AND n.{probe} IS NOT NULL AND NOT ({same})),
               count(*) FILTER (WHERE o.{probe} IS NOT NULL AND n.{probe} IS NOT NULL AND ({same}))
        FROM read_parquet({sql_list(old.paths)}) o
        FULL OUTER JOIN read_parquet({sql_list(new.paths)}) n ON {on}
    """
    con = duckdb.connect()
    try:
        added, removed, changed, unchanged = con.execute(sql).fetchall()[0]
    finally:
        con.close()
    return int(added), int(removed), int(changed), int(unchanged)


def diff(dataset: str, old: int | str, new: int | str | None = None) -> VersionDiff:
    """Rows added/removed/changed by key, schema changes, per-partition file changes, date range change."""
    a = storage.version_files(dataset, old)
    b = storage.version_files(dataset, new)
    ca, cb = a.manifest.columns, b.manifest.columns
    added, removed, changed, unchanged = _row_diff(dataset, a, b)
    same, fchanged, fadded, fremoved = _file_diff(a, b)
    return VersionDiff(
        dataset=dataset,
        old=a.version,
        new=b.version,
        rows_added=added,
        rows_removed=removed,
        rows_changed=changed,
        rows_unchanged=unchanged,
        columns_added=sorted(cb.keys() - ca.keys()),
        columns_removed=sorted(ca.keys() - cb.keys()),
        dtype_changes={c: (ca[c], cb[c]) for c in sorted(ca.keys() & cb.keys()) if ca[c] != cb[c]},
        files_same=same,
        files_changed=fchanged,
        files_added=fadded,
        files_removed=fremoved,
        date_range_old=(a.manifest.date_min, a.manifest.date_max),
        date_range_new=(b.manifest.date_min, b.manifest.date_max),
    )
