"""TAQ Tier 2 and taq_sync against a local WRDS-shaped PostgreSQL holding the real highfrequency raw sample."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import psycopg2
import psycopg2.extras
import pytest

from research.services.microstructure import read_taq_quotes, read_taq_trades
from research.services.taq_sync import taq_sync_run
from research.services.taq_tiers import taq_read
from tests.support import services, wrds_standin
from tests.support.shared_data import require_shared_file
from warehouse import readers
from warehouse.readers.taq import taq_rows
from warehouse.sources.wrds.client import WrdsClient, WrdsConfig
from warehouse.sources.wrds.taq import TaqLimitExceeded, taq_fetch

DAYS = (dt.date(2018, 1, 2), dt.date(2018, 1, 3))


def _load(dsn: str, trades: pl.DataFrame, quotes: pl.DataFrame) -> None:
    conn = psycopg2.connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute("create schema taqm_2018")
        for day in DAYS:
            t = trades.filter(pl.col("ts").dt.date() == day)
            q = quotes.filter(pl.col("ts").dt.date() == day)
            cur.execute(
                f"create table taqm_2018.ctm_{day:%Y%m%d} (date date, time_m time, ex varchar(1), sym_root varchar(6),"
                " sym_suffix varchar(10), tr_corr varchar(2), tr_scond varchar(4), size double precision,"
                " price double precision)"
            )
            psycopg2.extras.execute_values(
                cur,
                f"insert into taqm_2018.ctm_{day:%Y%m%d} values %s",
                [
                    (day, ts.time(), ex, sym, None, f"{corr:02d}", cond, size, price)
                    for ts, ex, sym, corr, cond, size, price in t.select(
                        "ts", "ex", "symbol", "corr", "cond", "size", "price"
                    ).iter_rows()
                ],  # fmt: skip
                page_size=5000,
            )
            cur.execute(
                f"create table taqm_2018.cqm_{day:%Y%m%d} (date date, time_m time, ex varchar(1), sym_root varchar(6),"
                " sym_suffix varchar(10), bid double precision, bidsiz double precision, ask double precision,"
                " asksiz double precision)"
            )
            psycopg2.extras.execute_values(
                cur,
                f"insert into taqm_2018.cqm_{day:%Y%m%d} values %s",
                [
                    (day, ts.time(), ex, sym, None, bid, bs, ofr, os_)
                    for ts, ex, sym, bid, bs, ofr, os_ in q.select(
                        "ts", "ex", "symbol", "bid", "bidsiz", "ofr", "ofrsiz"
                    ).iter_rows()
                ],  # fmt: skip
                page_size=5000,
            )
    conn.close()


@pytest.fixture(scope="module")
def taq_db() -> Iterator[str]:
    if not services._reachable(wrds_standin.HOST, wrds_standin.PORT):
        services._missing(f"PostgreSQL at {wrds_standin.HOST}:{wrds_standin.PORT} (WRDS stand-in)")
    trades = read_taq_trades(require_shared_file("intraday", "highfrequency_sampleTDataRaw.csv"))
    quotes = read_taq_quotes(require_shared_file("intraday", "highfrequency_sampleQDataRaw.csv"))
    name = wrds_standin.create_database("wrds_taq")
    try:
        _load(wrds_standin.dsn(name), trades, quotes)
        yield name
    finally:
        wrds_standin.drop_database(name)


@pytest.fixture
def client(taq_db: str) -> Iterator[WrdsClient]:
    c = WrdsClient(WrdsConfig(username="postgres", host="127.0.0.1", port=5432, dbname=taq_db, sslmode="disable"))
    yield c
    c.close()


@pytest.fixture
def wh(settings, tmp_path: Path) -> Iterator[Path]:
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    settings.LOCKS_DIR = tmp_path / "locks"
    yield settings.WAREHOUSE_DIR
    if readers._CONNECTION is not None:
        readers._CONNECTION[1].close()
        readers._CONNECTION = None


def test_fetch_returns_the_raw_rows_of_one_day(client) -> None:
    raw = read_taq_trades(require_shared_file("intraday", "highfrequency_sampleTDataRaw.csv"))
    want = raw.filter(pl.col("ts").dt.date() == DAYS[0]).sort("ts", "price", "size")
    got = taq_fetch(client, "trades", symbols=["XXX"], day=DAYS[0]).sort("ts", "price", "size")
    assert got.height == want.height > 0
    assert got["price"].to_list() == want["price"].to_list()
    assert got["ts"].to_list() == want["ts"].to_list()
    assert taq_fetch(client, "trades", symbols=["NOPE"], day=DAYS[0]).height == 0
    assert taq_fetch(client, "quotes", symbols=["XXX"], day=dt.date(2018, 1, 4)).is_empty()  # no table that day


def test_symbol_limit_is_enforced(client) -> None:
    with pytest.raises(TaqLimitExceeded, match="limit"):
        taq_fetch(client, "trades", symbols=[f"S{i}" for i in range(501)], day=DAYS[0])


def test_sync_builds_tier1_equal_to_the_file_path_and_resumes(client, wh, tmp_path) -> None:
    seen: list[str] = []
    results = taq_sync_run(
        client=client, symbols=["XXX"], start=DAYS[0], end=dt.date(2018, 1, 4), state_dir=tmp_path / "state",
        exchanges=["N"], progress=lambda i, n, day, status: seen.append(f"{i}/{n} {day} {status}"),
    )  # fmt: skip
    assert seen == ["1/3 2018-01-02 fetched", "2/3 2018-01-03 fetched", "3/3 2018-01-04 no data"]
    assert [r.version for r in results] == [1, 1, 1]
    daily = taq_rows("taq_daily")
    assert daily["trades"].sum() == 7168  # highfrequency's cleaned sample, through WRDS-shaped tables
    seen.clear()
    taq_sync_run(client=client, symbols=["XXX"], start=DAYS[0], end=dt.date(2018, 1, 4),
                 state_dir=tmp_path / "state", exchanges=["N"],
                 progress=lambda i, n, day, status: seen.append(status))  # fmt: skip
    assert seen == ["cached", "cached", "cached"]
    assert taq_rows("taq_daily").height == 2  # the rerun replaced the same symbol-days


def test_query_writes_tier3_parquet_per_day(client, tmp_path) -> None:
    counts = taq_read("quotes", symbols=["XXX"], start=DAYS[0], end=DAYS[1], local_dir=tmp_path, client=client).rows
    raw = read_taq_quotes(require_shared_file("intraday", "highfrequency_sampleQDataRaw.csv"))
    assert sum(counts.values()) == raw.height
    assert pl.read_parquet(tmp_path / "quotes_20180102.parquet").height == counts["2018-01-02"]


def test_sync_status_counts_the_resumable_days(client, wh, tmp_path) -> None:
    from research.services.taq_sync import taq_sync_status

    taq_sync_run(client=client, symbols=["XXX"], start=DAYS[0], end=dt.date(2018, 1, 4),
                 state_dir=tmp_path / "sync" / "XXX_N", exchanges=["N"])  # fmt: skip
    assert taq_sync_status(tmp_path / "sync") == [{"key": "XXX_N", "days": 3, "with_data": 2, "last": "2018-01-04"}]


@pytest.mark.django_db
def test_taq_sync_runs_as_a_job_with_progress_log_and_resume(client, wh, tmp_path, settings, monkeypatch) -> None:
    from io import StringIO

    from django.core.management import call_command

    from quant.jobs.kinds import get_kind
    from quant.models import Job
    from research.services import taq_sync_job

    settings.DATA_DIR = tmp_path / "data"
    monkeypatch.setattr(taq_sync_job, "get_client", lambda: client)
    args = ["--symbols", "XXX", "--start", "2018-01-02", "--end", "2018-01-04", "--exchanges", "N"]
    out = StringIO()
    call_command("taq_sync", *args, stdout=out)
    job = Job.objects.get(kind="taq_sync")
    assert get_kind("taq_sync").queue == "sync" and job.status == "succeeded" and job.progress == 1.0
    assert job.params == {"symbols": ["XXX"], "start": "2018-01-02", "end": "2018-01-04", "exchanges": ["N"]}
    assert "2018-01-02 fetched" in job.log and "2018-01-04 no data" in job.log
    assert "[##############################] 3/3 2018-01-04 no data" in out.getvalue()
    assert "taq_daily v1 (2 rows)" in job.message and taq_rows("taq_daily")["trades"].sum() == 7168
    again = StringIO()
    call_command("taq_sync", *args, stdout=again)
    assert f"job #{job.pk} already synced this" in again.getvalue() and Job.objects.filter(kind="taq_sync").count() == 1
    forced = StringIO()
    call_command("taq_sync", *args, "--force", stdout=forced)
    assert "3/3 2018-01-04 cached" in forced.getvalue()  # resumed from the per-day state: nothing fetched again
    assert Job.objects.filter(kind="taq_sync", status="succeeded").count() == 2
    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory

    browser = Client()
    browser.force_login(UserFactory(role="viewer"))
    html = browser.get(reverse("research:taq")).content.decode()
    assert (
        f'href="{reverse("quant:job_status", args=[job.pk])}"' in html
        and "100%" in html
        and "TAQ sync XXX 2018-01-02..2018-01-04" in html
    )


@pytest.mark.django_db
def test_the_nightly_schedule_continues_each_sync_to_the_last_session(django_capture_on_commit_callbacks) -> None:
    import datetime as dt

    from quant.models import Job
    from quant.schedules import get_schedule
    from research.services.taq_sync_job import taq_sync_incremental, taq_sync_request

    assert get_schedule("taq-nightly").task == "research.tasks.taq_sync_incremental"
    done, _ = taq_sync_request(symbols=["XXX"], start=dt.date(2018, 1, 2), end=dt.date(2018, 1, 3), exchanges=["N"])
    Job.objects.filter(pk=done.pk).update(status="succeeded")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = taq_sync_incremental(today=dt.date(2018, 1, 9))  # last completed session: Monday 2018-01-08
    assert [j.params for j in queued] == [
        {"symbols": ["XXX"], "start": "2018-01-04", "end": "2018-01-08", "exchanges": ["N"]}
    ]
    assert len(callbacks) == 1
    Job.objects.filter(pk=queued[0].pk).update(status="succeeded")
    assert taq_sync_incremental(today=dt.date(2018, 1, 9)) == []  # already at the last session


@pytest.mark.django_db
def test_one_read_interface_over_the_three_tiers(client, wh, tmp_path) -> None:
    from io import StringIO

    from django.core.management import call_command

    raw = read_taq_trades(require_shared_file("intraday", "highfrequency_sampleTDataRaw.csv"))
    first = taq_read("trades", symbols=["XXX"], start=DAYS[0], end=DAYS[1], local_dir=tmp_path, client=client)
    assert first.tiers == {"2018-01-02": "tier 2", "2018-01-03": "tier 2"} and first.frame.height == raw.height
    local = taq_read("trades", symbols=["XXX"], start=DAYS[0], end=dt.date(2018, 1, 4), local_dir=tmp_path)
    assert local.tiers == {"2018-01-02": "tier 3", "2018-01-03": "tier 3", "2018-01-04": "missing"}
    assert (
        local.frame.sort("ts", "price", "size")["price"].to_list() == raw.sort("ts", "price", "size")["price"].to_list()
    )
    other = taq_read("trades", symbols=["XXX", "YYY"], start=DAYS[0], end=DAYS[0], local_dir=tmp_path, client=client)
    assert other.tiers == {"2018-01-02": "tier 2"}  # the local day was fetched for XXX only
    taq_sync_run(client=client, symbols=["XXX"], start=DAYS[0], end=DAYS[1], state_dir=tmp_path / "state",
                 exchanges=["N"])  # fmt: skip
    daily = taq_read("daily", symbols=["XXX"], start=DAYS[0], end=DAYS[1])
    assert daily.tiers == {"2018-01-02": "tier 1", "2018-01-03": "tier 1"} and daily.frame["trades"].sum() == 7168
    out = StringIO()
    args = ["--symbols", "XXX", "--start", "2018-01-02", "--end", "2018-01-03", "--out", str(tmp_path / "q")]
    call_command("taq_query", *args, "--kind", "daily", stdout=out)
    assert "2 rows from Tier 1 (2 sessions)" in out.getvalue()
    assert pl.read_parquet(tmp_path / "q" / "daily_20180102_20180103.parquet")["trades"].sum() == 7168
