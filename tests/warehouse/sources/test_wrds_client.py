"""The WRDS client wrapper against a real local PostgreSQL laid out like WRDS."""

from __future__ import annotations

import builtins
import getpass
import io
import sys

import pandas as pd
import psycopg2
import pytest
import wrds
import wrds.sql

from tests.support import wrds_standin
from tests.warehouse.sources.conftest import standin_config
from warehouse.sources.limits import RateLimiter, RetryPolicy, with_retries
from warehouse.sources.wrds.client import WrdsClient, WrdsConfig, WrdsConnectionError, close_all, get_client
from warehouse.sources.wrds.convert import to_schema
from warehouse.sources.wrds.queries import dataset_query


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def no_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("the WRDS client prompted for input")

    monkeypatch.setattr(builtins, "input", refuse)
    monkeypatch.setattr(getpass, "getpass", refuse)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def test_the_real_wrds_connection_reads_the_standin(wrds_db: str, monkeypatch: pytest.MonkeyPatch, no_prompts) -> None:
    monkeypatch.setattr(wrds.sql, "WRDS_POSTGRES_HOST", "127.0.0.1")
    conn = wrds.Connection(
        wrds_hostname="127.0.0.1", wrds_port=5432, wrds_dbname=wrds_db, wrds_username="postgres",
        wrds_connect_args={"sslmode": "disable"},
    )  # fmt: skip
    try:
        assert {"crsp", "comp", "crsp_a_ccm", "ff"} <= set(conn.list_libraries())
        raw = conn.raw_sql("select permno, date, ret from crsp.dsf where permno = 10001 order by date limit 3")
    finally:
        conn.close()
    assert str(raw["ret"].dtype) == "Float64" and pd.isna(raw["ret"].iloc[0])  # nullable dtypes, <NA> first day
    frame = to_schema(raw.assign(date=pd.to_datetime(raw["date"])), _subset("crsp_daily", ["permno", "date", "ret"]))
    assert frame["permno"].to_list() == [10001, 10001, 10001]
    assert frame["ret"][0] is None and isinstance(frame["ret"][1], float)


def _subset(dataset: str, columns: list[str]):
    q = dataset_query(dataset)
    return type(q)(q.dataset, q.sql, q.date_column, q.key, {c: q.schema[c] for c in columns})


def test_client_never_prompts_and_names_the_settings(wrds_db: str, no_prompts) -> None:
    client = WrdsClient(standin_config("wrds_standin_does_not_exist"))
    with pytest.raises(WrdsConnectionError) as err:
        client.raw_sql("select 1")
    message = str(err.value)
    assert "WRDS_USERNAME" in message and "WRDS_PASSWORD" in message and "wrds_standin_does_not_exist" in message


def test_missing_username_or_password_fails_before_connecting(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(WrdsConnectionError, match="WRDS_USERNAME is not set"):
        WrdsClient(WrdsConfig(username=""))
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    with pytest.raises(WrdsConnectionError, match="set WRDS_PASSWORD or add"):
        WrdsClient(WrdsConfig(username="alice"))
    (tmp_path / "pgpass").write_text("wrds-pgdata.wharton.upenn.edu:9737:wrds:alice:s3cret\n")
    assert WrdsConfig(username="alice").has_pgpass_entry()
    WrdsClient(WrdsConfig(username="alice"))  # a .pgpass entry is enough; connecting is lazy


def test_config_reads_settings_and_environment(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WRDS_USERNAME", "bob")
    monkeypatch.setenv("WRDS_PORT", "5433")
    settings.WRDS_HOST = "127.0.0.1"
    settings.WRDS_QUERIES_PER_MINUTE = 7
    config = WrdsConfig.from_settings()
    assert (config.username, config.host, config.port, config.queries_per_minute) == ("bob", "127.0.0.1", 5433, 7)
    assert config.dbname == "wrds" and config.sslmode == "require"


def test_rate_limiter_spaces_queries_to_the_cap() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(5):
        limiter.acquire()
        starts.append(clock.now)
        clock.now += 1.0  # each query takes a second
    # 2 per minute: queries 3 and 5 wait for the oldest call in the window to age out.
    assert starts == [0.0, 1.0, 60.0, 61.0, 120.0]
    assert clock.sleeps == [58.0, 58.0]


def test_client_applies_the_cap_to_real_queries(wrds_db: str, wrds_frames) -> None:
    clock = FakeClock()
    client = WrdsClient(standin_config(wrds_db), limiter=RateLimiter(3, clock=clock, sleep=clock.sleep))
    try:
        counts = [int(client.raw_sql("select count(*) as n from crsp.msf")["n"].iloc[0]) for _ in range(7)]
    finally:
        client.close()
    assert counts == [wrds_frames["crsp_monthly"].height] * 7
    assert clock.sleeps == [60.0, 60.0]  # queries 4 and 7 waited a full window (no clock movement otherwise)
    assert client.queries == 7


def test_retries_transient_errors_with_bounded_exponential_backoff() -> None:
    sleeps: list[float] = []
    attempts = {"n": 0}
    reconnects: list[str] = []

    def flaky() -> str:
        attempts["n"] += 1
        if attempts["n"] <= 3:
            raise psycopg2.OperationalError("server closed the connection unexpectedly")
        return "ok"

    policy = RetryPolicy(retries=4, base=1.0, cap=3.0)
    assert with_retries(flaky, policy, sleep=sleeps.append, on_retry=lambda e: reconnects.append(str(e))) == "ok"
    assert sleeps == [1.0, 2.0, 3.0]  # 1, 2, then 4 capped at 3
    assert len(reconnects) == 3

    def always_down() -> str:
        raise ConnectionResetError("reset by peer")

    sleeps.clear()
    with pytest.raises(ConnectionResetError):
        with_retries(always_down, policy, sleep=sleeps.append)
    assert sleeps == [1.0, 2.0, 3.0, 3.0]

    def bad_sql() -> str:
        raise psycopg2.errors.SyntaxError("syntax error at or near 'selct'")

    sleeps.clear()
    with pytest.raises(psycopg2.errors.SyntaxError):
        with_retries(bad_sql, policy, sleep=sleeps.append)
    assert sleeps == []  # SQL errors are not transient


def test_client_reconnects_after_the_server_drops_the_connection(wrds_db: str, wrds_frames) -> None:
    names = wrds_frames["crsp_names"].height
    client = WrdsClient(standin_config(wrds_db, retry=RetryPolicy(retries=2, base=0.0, cap=0.0)))
    try:
        assert int(client.raw_sql("select count(*) as n from crsp.dsenames")["n"].iloc[0]) == names
        pid = int(client.raw_sql("select pg_backend_pid() as pid")["pid"].iloc[0])
        with psycopg2.connect(wrds_standin.dsn(wrds_db)) as admin, admin.cursor() as cur:
            cur.execute("select pg_terminate_backend(%s)", (pid,))
        assert int(client.raw_sql("select count(*) as n from crsp.dsenames")["n"].iloc[0]) == names
        new_pid = int(client.raw_sql("select pg_backend_pid() as pid")["pid"].iloc[0])
    finally:
        client.close()
    assert new_pid != pid


def test_one_pooled_client_per_configuration(wrds_db: str) -> None:
    close_all()
    config = standin_config(wrds_db)
    first = get_client(config)
    try:
        assert get_client(config) is first
        first.raw_sql("select 1 as one")
        engine = first.connection.engine
        first.raw_sql("select 2 as two")
        assert first.connection.engine is engine  # the same engine serves every query
        assert get_client(standin_config(wrds_db, queries_per_minute=5)) is not first
    finally:
        close_all()
