"""Point-in-time readers over the warehouse: DuckDB (read-only catalog connection) in, polars out.

Every reader takes ``version=`` (an int, a tag, None for the current version, or a
``{dataset: version}`` mapping; `base.Version`), verifies the checksums of the files it opens (once
per process per file) and never returns a value before the date it was public. Filters that drop
rows log how many (logger ``quantdesk.warehouse.readers``) and the ``*_with_report`` variants return
the counts.

The readers live by source, each module stating its conventions; import them from here:

- `warehouse.readers.crsp`: ``crsp_daily``, ``names_asof``, ``universe``, ``total_returns`` (with
  delisting returns), ``ticker_to_permno``, ``permno_to_ticker``.
- `warehouse.readers.compustat`: ``link_table``, ``gvkey_to_permno`` (CCM), ``fundamentals_asof``,
  ``fundamentals``.
- `warehouse.readers.french`: ``ff_factors``, ``ff_industries``.
- `warehouse.readers.base`: ``read_dataset`` (a whole version, for syncs and exports) and the query
  helpers the readers share.

The module itself is a `warehouse.providers.crsp.CrspReaders`.
"""

from __future__ import annotations

import duckdb

from quant import calendars as calendars  # the trading calendar the universe uses (bench/warehouse.py)
from warehouse import storage
from warehouse.readers.base import Version, read_dataset
from warehouse.readers.compustat import (
    LINK_PRIMARY,
    LINK_TYPES,
    FundamentalsReport,
    fundamentals,
    fundamentals_asof,
    fundamentals_asof_with_report,
    gvkey_to_permno,
    link_table,
)
from warehouse.readers.crsp import (
    COMMON_SHARE_CODES,
    MAIN_EXCHANGES,
    MISSING_DLRET_NASDAQ,
    MISSING_DLRET_NYSE_AMEX,
    NASDAQ,
    NYSE_AMEX,
    PERFORMANCE_DELIST_CODES,
    TotalReturnReport,
    UniverseReport,
    crsp_daily,
    names_asof,
    permno_to_ticker,
    ticker_to_permno,
    total_returns,
    total_returns_with_report,
    universe,
    universe_with_report,
)
from warehouse.readers.french import ff_factors, ff_industries

__all__ = [
    "COMMON_SHARE_CODES",
    "LINK_PRIMARY",
    "LINK_TYPES",
    "MAIN_EXCHANGES",
    "MISSING_DLRET_NASDAQ",
    "MISSING_DLRET_NYSE_AMEX",
    "NASDAQ",
    "NYSE_AMEX",
    "PERFORMANCE_DELIST_CODES",
    "FundamentalsReport",
    "TotalReturnReport",
    "UniverseReport",
    "Version",
    "crsp_daily",
    "ff_factors",
    "ff_industries",
    "fundamentals",
    "fundamentals_asof",
    "fundamentals_asof_with_report",
    "gvkey_to_permno",
    "link_table",
    "names_asof",
    "permno_to_ticker",
    "read_dataset",
    "ticker_to_permno",
    "total_returns",
    "total_returns_with_report",
    "universe",
    "universe_with_report",
]

# The cached catalog connection lives in the package namespace (tests close and reset
# `warehouse.readers._CONNECTION` when they switch warehouses); `base._fetch` asks `_cursor` for it.
_CONNECTION: tuple[str, duckdb.DuckDBPyConnection] | None = None


def _cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the cached read-only catalog connection (in-memory until a catalog exists)."""
    global _CONNECTION
    path = storage.catalog_path()
    key = str(path) if path.exists() else ":memory:"
    if _CONNECTION is None or _CONNECTION[0] != key:
        if _CONNECTION is not None:
            _CONNECTION[1].close()
        con = duckdb.connect(key, read_only=True) if key != ":memory:" else duckdb.connect(":memory:")
        _CONNECTION = (key, con)
    return _CONNECTION[1].cursor()
