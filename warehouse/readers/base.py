"""What every reader shares: versions, checksum-verified file lists, DuckDB queries, drop logging.

``read_dataset`` (a whole version, for syncs and exports) lives here too; the point-in-time readers
are in `crsp`, `compustat` and `french`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from warehouse import readers, storage
from warehouse.catalog import sql_list

logger = logging.getLogger("quantdesk.warehouse.readers")

# A version, a tag, None (current), or {dataset: version} (e.g. a result's recorded
# `dataset_versions()`). Readers that combine datasets (universe, total_returns, fundamentals by
# permno) apply an int/str to each dataset they read: pass a tag made by `warehouse_snapshot create`
# (it exists on every dataset) or a mapping.
Version = int | str | None | Mapping[str, int | str]


def _pick(version: Version, dataset: str) -> int | str | None:
    return version.get(dataset) if isinstance(version, Mapping) else version


def _files(dataset: str, version: Version, years: tuple[int, int] | None = None) -> str | None:
    """SQL list of the version's verified files (partition years in ``years``), None when there are none."""
    paths: list[Path] = storage.version_files(dataset, _pick(version, dataset), years=years).paths
    return sql_list(paths) if paths else None


def _query(
    dataset: str,
    version: Version,
    select: str,
    *,
    years: tuple[int, int] | None = None,
    where: str = "TRUE",
    params: list[object] | None = None,
) -> pl.DataFrame:
    files = _files(dataset, version, years)
    if files is None:
        columns = storage.get_spec(dataset).columns
        return pl.DataFrame(schema=columns).select(pl.all()).head(0)
    return _fetch(f"SELECT {select} FROM read_parquet({files}) WHERE {where}", params or [])


def _fetch(sql: str, params: list[object]) -> pl.DataFrame:
    cursor = readers._cursor()  # the package holds the one cached catalog connection
    try:
        return cursor.sql(sql, params=params).pl()
    finally:
        cursor.close()


def _log_drops(reader: str, counts: dict[str, int]) -> None:
    dropped = {k: v for k, v in counts.items() if v}
    if dropped:
        logger.info("%s dropped rows: %s", reader, ", ".join(f"{k}={v}" for k, v in dropped.items()))


def read_dataset(dataset: str, *, version: int | str | None = None) -> pl.DataFrame | None:
    """A whole version of ``dataset`` (None when it has never been published), sorted by its key.

    Columns and dtypes are the contract's (`warehouse.datasets`); nulls in key columns sort last.
    For syncs (incremental watermarks, merges) and exports, not for analysis: read with the
    point-in-time readers below.
    """
    if version is None and storage.current_version(dataset) is None:
        return None
    spec = storage.get_spec(dataset)
    paths = storage.version_files(dataset, version).paths
    if not paths:
        return pl.DataFrame(schema=spec.columns)
    frame = pl.read_parquet(paths, hive_partitioning=False).select(spec.column_names)
    return frame.sort(list(spec.key), nulls_last=True)
