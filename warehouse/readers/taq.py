"""Readers of the TAQ Tier 1 datasets (taq_bars_1m, taq_daily, taq_intraday) and their coverage."""

from __future__ import annotations

import polars as pl

from warehouse import storage
from warehouse.datasets import TAQ_DATASETS
from warehouse.readers.base import Version, _query


def taq_rows(dataset: str, *, symbol: str | None = None, version: Version = None) -> pl.DataFrame:
    """Rows of a TAQ Tier 1 dataset (one symbol or all), sorted by its key; empty when never published."""
    spec = storage.get_spec(dataset)
    if storage.current_version(dataset) is None and version is None:
        return pl.DataFrame(schema=spec.columns)
    params: list[object] = [symbol] if symbol is not None else []
    where = "symbol = ?" if symbol is not None else "TRUE"
    frame = _query(dataset, version, "*", where=where, params=params)
    # a version published before a column was added to the contract reads it as null
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in spec.columns.items() if c not in frame.columns]
    return frame.with_columns(missing).select(spec.column_names).sort(list(spec.key))


def taq_coverage() -> pl.DataFrame:
    """Per TAQ dataset: current version, symbols, first and last date, rows (zeros when unpublished)."""
    rows: list[dict[str, object]] = []
    for name in TAQ_DATASETS:
        version = storage.current_version(name)
        if version is None:
            rows.append({"dataset": name, "version": None, "symbols": 0, "first": None, "last": None, "rows": 0})
            continue
        frame = _query(name, None, "symbol, date")
        rows.append(
            {
                "dataset": name,
                "version": version,
                "symbols": frame["symbol"].n_unique(),
                "first": frame["date"].min(),
                "last": frame["date"].max(),
                "rows": frame.height,
            }
        )
    return pl.DataFrame(rows, schema={"dataset": pl.Utf8, "version": pl.Int64, "symbols": pl.Int64,
                                      "first": pl.Date, "last": pl.Date, "rows": pl.Int64})  # fmt: skip
