"""The pandas → polars boundary: WRDS query results to SCHEMAS.md dtypes, with schema-drift checks.

``wrds.raw_sql`` returns pandas nullable dtypes (``Float64``, ``Int64``, ``string``, ``<NA>``); date
columns are parsed to ``datetime64``. A column WRDS dropped or retyped (e.g. ``ret`` arriving as text)
raises `SchemaDrift` here, before anything is written, so the sync publishes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
import polars as pl

from warehouse.sources.wrds.queries import DatasetQuery


class SchemaDrift(ValueError):
    """Upstream data no longer matches the dataset contract (missing column or incompatible type)."""


def _compatible(source: pl.DataType, target: pl.DataType) -> bool:
    if source == pl.Null:
        return True  # an all-null column carries no type information
    if target == pl.Float64 or target == pl.Int64:
        return source.is_numeric()
    if target == pl.Utf8:
        return source in (pl.Utf8, pl.String, pl.Categorical)
    if target == pl.Date:
        return source == pl.Date or isinstance(source, pl.Datetime)
    return source == target


def _to_polars(frame: pd.DataFrame) -> pl.DataFrame:
    if frame.empty:
        return pl.DataFrame({name: pl.Series(name, [], dtype=pl.Null) for name in frame.columns})
    # Object columns hold str / datetime.date / None from psycopg2: normalise to pandas' string or
    # datetime so pyarrow sees one type per column.
    fixed: dict[str, Any] = {}
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object:
            sample = col.dropna()
            first = sample.iloc[0] if len(sample) else None
            if isinstance(first, dt.date):
                fixed[name] = pd.to_datetime(col)
            elif isinstance(first, str) or first is None:
                fixed[name] = col.astype("string")
    if fixed:
        frame = frame.assign(**fixed)
    return pl.from_pandas(frame)


def to_schema(frame: pd.DataFrame | pl.DataFrame, query: DatasetQuery) -> pl.DataFrame:
    """Select and cast ``frame`` to the dataset's schema; raise `SchemaDrift` on missing or retyped columns.

    Integer targets accept floats only when every value is integral (WRDS serves some ids as doubles).
    Float values keep full precision; dates lose any time of day (WRDS dates have none).
    """
    pf = frame if isinstance(frame, pl.DataFrame) else _to_polars(frame)
    problems = [f"missing column {name!r}" for name in query.schema if name not in pf.columns]
    problems += [
        f"column {name!r} is {pf.schema[name]}, expected {target}"
        for name, target in query.schema.items()
        if name in pf.columns and not _compatible(pf.schema[name], target)
    ]
    if problems:
        raise SchemaDrift(f"{query.dataset}: upstream schema changed: " + "; ".join(problems) + ".")
    out = pf.select([pl.col(name).cast(target, strict=True) for name, target in query.schema.items()])
    for name, target in query.schema.items():
        if target == pl.Int64 and pf.schema[name].is_float():
            bad = pf.filter(pl.col(name).is_not_null() & (pl.col(name) != pl.col(name).round(0))).height
            if bad:
                raise SchemaDrift(f"{query.dataset}: column {name!r} has {bad} non-integer values.")
    return out


def empty_frame(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))
