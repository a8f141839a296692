"""Read side of the dataset pages: schema with descriptions, versions, monthly coverage, a preview.

Coverage and preview read the live catalog views through the explorer's locked connection; the
coverage of a version never changes, so it is cached by (dataset, version).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.core.cache import cache

from warehouse import storage
from warehouse.datasets import ALL_DATASETS, column_description, get_spec
from warehouse.explorer.engine import Limits, locked_connection
from warehouse.manifest import Manifest

# The column that names the security (or series) of each dataset, for "distinct symbols per month".
_SYMBOLS = ("permno", "lpermno", "gvkey", "symbol", "industry")
SYMBOL_COLUMN = {name: next((c for c in _SYMBOLS if c in spec.columns), None) for name, spec in ALL_DATASETS.items()}
PREVIEW_ROWS = 50


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    description: str
    nulls: int | None  # in the live version
    key: bool


def schema(dataset: str, manifest: Manifest | None) -> list[Column]:
    spec = get_spec(dataset)
    nulls = manifest.null_counts if manifest is not None else {}
    return [
        Column(c, str(t), column_description(dataset, c), nulls.get(c), c in spec.key) for c, t in spec.columns.items()
    ]


def versions(dataset: str) -> list[Manifest]:
    """Every kept version's manifest, newest first."""
    out = []
    for v in sorted(storage.list_versions(dataset), reverse=True):
        try:
            out.append(storage.load_manifest(dataset, v))
        except storage.VersionNotFound:
            continue
    return out


@dataclass(frozen=True)
class Coverage:
    months: list[str]  # YYYY-MM
    rows: list[int]
    symbols: list[int] | None
    first: dt.date | None
    last: dt.date | None


def coverage(manifest: Manifest) -> Coverage:
    """Rows and distinct symbols per calendar month of the live view of ``manifest``'s dataset (the
    manifest's version and creation time key the cache: a rebuilt warehouse never reads a stale one)."""
    dataset = manifest.dataset
    key = f"warehouse:coverage:v1:{dataset}:{manifest.version}:{manifest.created}"
    found = cache.get(key)
    if isinstance(found, Coverage):
        return found
    spec = get_spec(dataset)
    date, symbol = spec.partition, SYMBOL_COLUMN[dataset]
    distinct = f', count(DISTINCT "{symbol}") AS symbols' if symbol else ""
    sql = (f'SELECT strftime(date_trunc(\'month\', "{date}"), \'%Y-%m\') AS month, count(*) AS rows{distinct}, '
           f'min("{date}") AS first, max("{date}") AS last FROM {dataset} WHERE "{date}" IS NOT NULL '
           "GROUP BY 1 ORDER BY 1")  # fmt: skip
    with locked_connection(Limits.from_settings()) as con:
        frame = con.sql(sql).pl()
    result = Coverage(
        months=frame["month"].to_list(), rows=frame["rows"].to_list(),
        symbols=frame["symbols"].to_list() if symbol else None,
        first=frame["first"].min() if frame.height else None,
        last=frame["last"].max() if frame.height else None,
    )  # fmt: skip
    cache.set(key, result, 24 * 3600)
    return result


class BadFilter(ValueError):
    """A preview filter names an unknown column or a value of the wrong type."""


def _typed(dtype: pl.DataType, raw: str) -> object:
    try:
        if dtype == pl.Int64:
            return int(raw)
        if dtype == pl.Float64:
            return float(raw)
        if dtype == pl.Date:
            return dt.date.fromisoformat(raw)
        if dtype == pl.Boolean:
            return raw.lower() in ("1", "true", "yes")
    except ValueError:
        raise BadFilter(f"{raw!r} is not a {dtype} value.") from None
    return raw


def preview(dataset: str, filters: dict[str, str], *, limit: int = PREVIEW_ROWS) -> pl.DataFrame:
    """The first ``limit`` rows (in key order) where each filtered column equals its value."""
    spec = get_spec(dataset)
    where, params = [], []
    for column, raw in filters.items():
        if column not in spec.columns:
            raise BadFilter(f"{dataset} has no column {column!r}.")
        where.append(f'"{column}" = ?')
        params.append(_typed(spec.columns[column], raw.strip()))
    clause = " AND ".join(where) or "TRUE"
    order = ", ".join(f'"{k}"' for k in spec.key)
    with locked_connection(Limits.from_settings()) as con:
        return con.sql(
            f"SELECT * FROM {dataset} WHERE {clause} ORDER BY {order} LIMIT {int(limit)}", params=params
        ).pl()
