"""The parser gate of the SQL explorer: one read-only query over allow-listed catalog views.

A query passes only when ``sqlglot`` (DuckDB dialect) parses it into exactly one SELECT (or a set
operation of SELECTs, optionally under a WITH), every table it names is an allow-listed dataset or
one of its own CTEs, it calls no table function other than ``range``/``generate_series``/``unnest``,
and no function that reads files, URLs, settings or the environment. The SQL that runs is the one
sqlglot generates from the checked tree, so comments and odd spacing cannot smuggle a second
statement past the check. The DuckDB connection is locked down as well (`engine`): this gate gives
the clear message, the connection is the second wall.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from warehouse.datasets import ALL_DATASETS

MAX_SQL_CHARS = 20_000
SAFE_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
# Functions that read files or URLs, inspect the engine, its settings or the environment.
_DENIED_FUNCTION = re.compile(
    r"^(read_\w*|\w*_scan|parquet_\w*|sniff_csv|glob|query|query_table|getenv|current_setting|duckdb_\w*|"
    r"pragma_\w*|which_secret|load_\w*|install_\w*|icu_\w*|json_execute_serialized_sql|\w*_attach|"
    r"enable_\w*|disable_\w*|checkpoint|force_checkpoint|set_\w*|system|shell|http_\w*|iceberg_\w*|delta_\w*|"
    r"sqlite_\w*|postgres_\w*|mysql_\w*|excel_\w*|st_read\w*|to_json_file)$"
)
_WRITES = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Copy, exp.Into,
    exp.Command, exp.Set, exp.Pragma, exp.Attach, exp.Detach, exp.Use, exp.Transaction, exp.Commit,
    exp.Rollback, exp.Install, exp.Describe, exp.Summarize, exp.TruncateTable, exp.LoadData,
)  # fmt: skip

# sqlglot warns on SQL it can only keep as a raw Command; those are refused anyway.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


class QueryRefused(ValueError):
    """The query is not one read-only SELECT over allow-listed datasets; the message says why."""


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the gate: the SQL to run and the datasets it reads."""

    sql: str
    datasets: tuple[str, ...]


def _function_name(node: exp.Func) -> str:
    return (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()


def _parse(sql: str) -> exp.Expr:
    text = sql.strip()
    if not text:
        raise QueryRefused("Write a SELECT query.")
    if len(text) > MAX_SQL_CHARS:
        raise QueryRefused(f"The query is longer than {MAX_SQL_CHARS:,} characters.")
    try:
        statements = [s for s in sqlglot.parse(text, read="duckdb") if s is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise QueryRefused(f"Not valid SQL: {first}") from None
    if len(statements) != 1:
        raise QueryRefused(f"Only one statement is allowed; found {len(statements)}.")
    return statements[0]


def _check_node(node: exp.Expr, allowed: Collection[str], ctes: set[str], read: set[str]) -> None:
    if isinstance(node, _WRITES):
        raise QueryRefused(f"Only SELECT queries are allowed; found {node.key.upper()}.")
    if isinstance(node, exp.Func):
        name = _function_name(node)
        if isinstance(node, exp.ReadCSV | exp.ReadParquet) or _DENIED_FUNCTION.match(name):
            raise QueryRefused(f"The function {name}() is not allowed: queries read only the catalog's datasets.")
    if isinstance(node, exp.Table):
        _check_table(node, allowed, ctes, read)


def _check_table(table: exp.Table, allowed: Collection[str], ctes: set[str], read: set[str]) -> None:
    target = table.this
    if isinstance(target, exp.Func):
        name = _function_name(target)
        if name not in SAFE_TABLE_FUNCTIONS:
            raise QueryRefused(f"The table function {name}() is not allowed: query the datasets by name.")
        return
    if not isinstance(target, exp.Identifier):
        raise QueryRefused("Query the datasets by name (no file paths, URLs or subscripts).")
    if table.args.get("db") or table.args.get("catalog"):
        raise QueryRefused(f"Use the bare dataset name, not {table.sql(dialect='duckdb')}.")
    name = target.name.lower()
    if name in ctes:
        return
    if name not in allowed:
        raise QueryRefused(f"Dataset {target.name!r} is not available to you; allowed: {', '.join(sorted(allowed))}.")
    read.add(name)


def check_query(sql: str, *, allowed: Collection[str]) -> CheckedQuery:
    """Parse and check ``sql``; raise :class:`QueryRefused` with a one-line reason, else the SQL to run."""
    tree = _parse(sql)
    root = tree.this if isinstance(tree, exp.Subquery) else tree
    if not isinstance(root, exp.Query):
        raise QueryRefused(f"Only SELECT queries are allowed; found {root.key.upper()}.")
    allowed = {a.lower() for a in allowed}
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    # A CTE shadowing a catalog name could hide a read of the real view in another scope.
    taken = ctes & (allowed | set(ALL_DATASETS) | {"_versions"})
    if taken:
        raise QueryRefused(f"A CTE may not take a dataset's name: {', '.join(sorted(taken))}.")
    read: set[str] = set()
    for node in tree.walk():
        _check_node(node, allowed, ctes, read)
    return CheckedQuery(sql=tree.sql(dialect="duckdb"), datasets=tuple(sorted(read)))
