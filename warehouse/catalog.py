"""``catalog.duckdb``: one view per dataset over its current version's files, rebuilt on every publish
and after a periodic verification finds a tampered file. Views list only checksum-verified files; a
dataset with a file that fails its checksum gets a view that refuses every query with the reason.

The catalog is built into a temporary file beside the target and renamed over it
(`quant.io.atomic_write`), so ``duckdb data/warehouse/catalog.duckdb -c "select ..."`` always opens
a complete catalog. Views list absolute file paths, so the catalog works from any directory.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from quant.io import atomic_write
from warehouse import storage


def sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def view_sql(dataset: str, paths: list[Path]) -> str:
    """A view over ``paths`` with the contract's columns (the hive ``year`` column is dropped)."""
    columns = ", ".join(f'"{c}"' for c in storage.get_spec(dataset).column_names)
    return (
        f"CREATE OR REPLACE VIEW {dataset} AS SELECT {columns} "
        f"FROM read_parquet({sql_list(paths)}, hive_partitioning = true)"
    )


# The catalog holds only views and a small table, so it is written in an older storage format that
# the standalone `duckdb` CLI (the `duckdb-cli` package, which trails the Python package) can open.
CATALOG_STORAGE_VERSION = "v1.2.0"

_DUCKDB_TYPES = {"Int64": "BIGINT", "Float64": "DOUBLE", "Date": "DATE", "String": "VARCHAR"}


def empty_view_sql(dataset: str) -> str:
    """A typed, empty view for a dataset whose live version has no rows (so queries still work)."""
    spec = storage.get_spec(dataset)
    cols = ", ".join(f'CAST(NULL AS {_DUCKDB_TYPES[str(t)]}) AS "{c}"' for c, t in spec.columns.items())
    return f"CREATE OR REPLACE VIEW {dataset} AS SELECT {cols} WHERE false"


def refused_view_sql(dataset: str, problem: str) -> str:
    """A view that fails every query with ``problem``: the catalog never serves unchecked data."""
    message = f"{dataset}: {problem}".replace("'", "''")
    # A filter, not a projection: count(*) would prune an unused error() column and answer 1.
    return f"CREATE OR REPLACE VIEW {dataset} AS SELECT * FROM (SELECT 1 AS refused) WHERE error('{message}') IS NULL"


def _view(dataset: str) -> tuple[str, storage.VersionFiles | None]:
    """The dataset's view over its checksum-verified files (hashed once per process per file), or a
    refusing view when a file fails its checksum (now or at the last periodic verification)."""
    try:
        files = storage.version_files(dataset)
    except storage.ChecksumMismatch as exc:
        return refused_view_sql(dataset, f"{exc} Run python manage.py warehouse_verify."), None
    return (view_sql(dataset, files.paths) if files.paths else empty_view_sql(dataset)), files


def _write(tmp: Path) -> None:
    con = duckdb.connect(str(tmp), config={"storage_compatibility_version": CATALOG_STORAGE_VERSION})
    try:
        con.execute(
            "CREATE TABLE _versions (dataset VARCHAR, version INTEGER, created VARCHAR, source VARCHAR, "
            "rows BIGINT, date_min DATE, date_max DATE)"
        )
        for dataset in storage.published_datasets():
            sql, files = _view(dataset)
            con.execute(sql)
            if files is None:
                continue
            m = files.manifest
            con.execute(
                "INSERT INTO _versions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [dataset, m.version, m.created, m.source, m.rows, m.date_min, m.date_max],
            )
        con.execute("CHECKPOINT")
    finally:
        con.close()


def rebuild_catalog() -> Path:
    """Rebuild ``catalog.duckdb`` atomically from the current pointers. Call while holding the lock."""
    target = storage.catalog_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    for debris in target.parent.glob(f".{target.name}.tmp-*"):
        debris.unlink(missing_ok=True)  # a catalog build killed midway
    return atomic_write(target, _write)
