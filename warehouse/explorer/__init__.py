"""The read-only SQL explorer over ``catalog.duckdb``: a parser gate (``guard``), the per-role
allow-list of datasets (``access``) and a locked-down DuckDB connection with limits (``engine``)."""
