"""Full and incremental WRDS syncs against the local WRDS stand-in: row-for-row equality, filters,
schema drift, lock refusal and the `wrds_sync` command."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys

import polars as pl
import psycopg2
import pytest
from django.core.management import CommandError, call_command

from quant.locks import LockBusy, domain_lock, read_lock
from tests.support import wrds_standin
from tests.support.parquet_sink import ParquetSink
from tests.warehouse.sources.conftest import standin_config
from warehouse.models_sync import SyncRun
from warehouse.sources.wrds.client import WrdsClient
from warehouse.sources.wrds.convert import SchemaDrift
from warehouse.sources.wrds.queries import DATASETS, dataset_query
from warehouse.syncs import checkpoint as ck
from warehouse.syncs.manager import WrdsSyncManager
from warehouse.syncs.records import OrmRecorder


def make_manager(client, sink, tmp_path, **kwargs) -> WrdsSyncManager:
    return WrdsSyncManager(client, sink, sync_root=tmp_path / "_sync", lock_dir=tmp_path / "locks", **kwargs)


def expected(frames, dataset: str) -> pl.DataFrame:
    return wrds_standin.expected_after_sync(frames, dataset, dataset_query(dataset).key)


def test_full_sync_of_every_dataset_equals_the_source_row_for_row(wrds_client, wrds_frames, sink, tmp_path) -> None:
    manager = make_manager(wrds_client, sink, tmp_path)
    for dataset in DATASETS:
        outcome = manager.full(dataset)
        got = sink.read_current(dataset)
        want = expected(wrds_frames, dataset)
        assert got.schema == want.schema, dataset
        assert got.equals(want), dataset
        assert outcome.rows == want.height and outcome.version == "v0001"
        assert sink.published[-1]["query_hash"] == dataset_query(dataset).query_hash
    assert [p["rows"] for p in sink.published] == [wrds_frames[d].height for d in DATASETS]


def test_the_demo_warehouse_round_trips_through_the_standin(wrds_frames, tmp_path) -> None:
    """The demo generator's data when installed; else ours with what a generator may add: a company
    whose GICS sector changed (WRDS keeps the current one) and a secondary link the sync must drop."""
    frames = wrds_standin.demo_frames()
    if frames is None:
        frames = dict(wrds_frames)
        annual = frames["compustat_annual"]
        frames["compustat_annual"] = annual.with_columns(
            gsector=pl.when((pl.col("gvkey") == "001001") & (pl.col("fyear") < 2020)).then(pl.lit("20"))
            .otherwise(pl.col("gsector"))
        )  # fmt: skip
        secondary = frames["ccm_link"].head(1).with_columns(linkprim=pl.lit("J"), lpermno=pl.lit(10099, pl.Int64))
        frames["ccm_link"] = pl.concat([frames["ccm_link"], secondary])
        assert expected(frames, "compustat_annual")["gsector"].n_unique() == 3
        assert expected(frames, "ccm_link").height == wrds_frames["ccm_link"].height
    for name in wrds_standin.standin(frames):
        client = WrdsClient(standin_config(name, queries_per_minute=0))  # the demo spans decades: no rate cap
        sink = ParquetSink(tmp_path / "demo")
        try:
            manager = make_manager(client, sink, tmp_path)
            for dataset in frames:
                manager.full(dataset)
                assert sink.read_current(dataset).equals(expected(frames, dataset)), dataset
        finally:
            client.close()


def test_filters_drop_nonstandard_compustat_rows_active_delistings_and_bad_links(wrds_client, wrds_db, sink, tmp_path):
    with psycopg2.connect(wrds_standin.dsn(wrds_db)) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from comp.funda")
        funda_rows = cur.fetchone()[0]
        cur.execute("select count(*) from crsp.dsedelist where dlstcd = 100")
        active = cur.fetchone()[0]
    manager = make_manager(wrds_client, sink, tmp_path)
    manager.full("compustat_annual")
    manager.full("crsp_delist")
    manager.full("ccm_link")
    annual = sink.read_current("compustat_annual")
    assert funda_rows - annual.height == 8  # 2 rows each of FS, SUMM_STD, popsrc I, consol P
    assert annual.filter(pl.col("at") < 0).height == 0
    assert annual["gsector"].drop_nulls().is_in(["45", "40", "35"]).all()  # joined from comp.company
    assert active >= 1 and sink.read_current("crsp_delist")["dlstcd"].to_list() == [233, 552]
    link = sink.read_current("ccm_link")
    assert set(link["linktype"]) <= {"LU", "LC"} and set(link["linkprim"]) <= {"P", "C"}
    assert link.filter(pl.col("gvkey") == "001001")["linkenddt"].to_list() == [None]  # still active


def test_full_sync_by_year_checkpoints_each_year_then_cleans_up(wrds_client, wrds_frames, sink, tmp_path) -> None:
    seen: list[tuple[int, int]] = []
    expiries: list[str] = []

    def on_chunk(year: int, rows: int) -> None:
        seen.append((year, rows))
        expiries.append(read_lock("warehouse", directory=tmp_path / "locks").expires)

    manager = make_manager(wrds_client, sink, tmp_path, on_chunk=on_chunk)
    outcome = manager.full("crsp_daily", start_year=2019)
    assert expiries == sorted(set(expiries))  # the lock is refreshed after every year
    assert read_lock("warehouse", directory=tmp_path / "locks") is None  # and released at the end
    assert [y for y, _ in seen] == [2019, 2020, 2021] and outcome.years == [2019, 2020, 2021]
    want = wrds_frames["crsp_daily"].filter(pl.col("date").dt.year() >= 2019)
    assert sum(n for _, n in seen) == want.height == outcome.rows
    (ckpt,) = ck.checkpoints("crsp_daily", root=tmp_path / "_sync")
    saved = json.loads(ckpt.path.read_text())
    assert saved["state"] == "published" and saved["version"] == "v0001"
    assert {y: c["rows"] for y, c in saved["chunks"].items()} == {str(y): n for y, n in seen}
    assert not list(ckpt.directory.glob("*.parquet"))


def test_incremental_sync_appends_new_rows_and_applies_revisions(fresh_wrds_db, wrds_frames, sink, tmp_path) -> None:
    client = WrdsClient(standin_config(fresh_wrds_db))
    today = dt.date(2022, 1, 7)
    manager = make_manager(client, sink, tmp_path, today=lambda: today)
    try:
        manager.full("crsp_daily")
        with psycopg2.connect(wrds_standin.dsn(fresh_wrds_db)) as conn, conn.cursor() as cur:
            cur.execute(
                "insert into crsp.dsf (permno, date, ret, retx, prc, vol, shrout, cfacpr, cfacshr, bidlo, askhi) "
                "select permno, date + 7, 0.01, 0.009, abs(prc), vol, shrout, cfacpr, cfacshr, bidlo, askhi "
                "from crsp.dsf where date between '2021-12-27' and '2021-12-31'"
            )
            cur.execute("update crsp.dsf set ret = 0.5 where permno = 10002 and date = '2021-12-29'")  # revision
            cur.execute("update crsp.dsf set ret = 0.7 where permno = 10002 and date = '2021-06-01'")  # too old
        outcome = manager.incremental("crsp_daily")
        again = manager.incremental("crsp_daily")
    finally:
        client.close()
    got = sink.read_current("crsp_daily")
    base = wrds_frames["crsp_daily"]
    assert got.height == base.height + 15 and outcome.version == "v0002"
    assert got.filter((pl.col("permno") == 10002) & (pl.col("date") == dt.date(2021, 12, 29)))["ret"].item() == 0.5
    old = got.filter((pl.col("permno") == 10002) & (pl.col("date") == dt.date(2021, 6, 1)))["ret"].item()
    assert old != 0.7  # outside the 10-day overlap window: not re-fetched
    assert got.filter(pl.col("date") > dt.date(2021, 12, 31))["ret"].unique().to_list() == [0.01]
    assert got.select("permno", "date").is_duplicated().sum() == 0
    assert again.rows == 0 and "up to date" in again.message and len(sink.published) == 2


@pytest.mark.parametrize(
    ("ddl", "error"),
    [
        ("alter table crsp.msf drop column retx", 'column "retx" does not exist'),
        ("alter table crsp.msf alter column ret type text using ret::text", "column 'ret' is String, expected Float64"),
        ("alter table crsp.msf alter column permno type text using 'P' || permno::text", "column 'permno' is String"),
    ],
)
def test_schema_drift_upstream_fails_and_publishes_nothing(fresh_wrds_db, sink, tmp_path, ddl, error) -> None:
    with psycopg2.connect(wrds_standin.dsn(fresh_wrds_db)) as conn, conn.cursor() as cur:
        cur.execute(ddl)
    client = WrdsClient(standin_config(fresh_wrds_db))
    try:
        with pytest.raises(SchemaDrift, match=error):
            make_manager(client, sink, tmp_path).full("crsp_monthly")
    finally:
        client.close()
    assert sink.published == [] and not (tmp_path / "warehouse" / "crsp_monthly").exists()


@pytest.mark.django_db
def test_a_second_sync_while_one_runs_is_refused_and_recorded(wrds_client, sink, tmp_path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with domain_lock("warehouse", writer="backfill-by-alice", directory=tmp_path / "locks"):
            manager = make_manager(wrds_client, sink, tmp_path, recorder=OrmRecorder())
            with pytest.raises(LockBusy):
                manager.full("crsp_names")
    finally:
        holder.kill()
        holder.wait()
    run = SyncRun.objects.get(dataset="crsp_names")
    assert run.outcome == "refused" and "backfill-by-alice" in run.job.error and run.job.finished_at is not None
    assert sink.published == []


@pytest.mark.django_db
def test_wrds_sync_command_full_incremental_and_status(wrds_settings, wrds_frames, capsys) -> None:
    call_command("wrds_sync", "--full", "--dataset", "crsp_monthly", "--dataset", "ff_factors")
    captured = capsys.readouterr()
    out = captured.out
    assert "crsp_monthly (years): 100%" in captured.err and "4/4" in captured.err  # tqdm, one step per year
    assert f"crsp_monthly: full sync ok — {wrds_frames['crsp_monthly'].height} rows, version v0001" in out
    assert "Summary: 2 succeeded, 0 failed." in out
    call_command("wrds_sync", "--incremental", "--dataset", "crsp_monthly")
    assert "crsp_monthly: incremental sync ok — up to date" in capsys.readouterr().out
    call_command("wrds_sync", "--status")
    status = capsys.readouterr().out
    line = next(x for x in status.splitlines() if x.startswith("crsp_monthly"))
    assert "2021-12-31" in line and "incremental succeeded" in line and "published 4/4 years" in line
    assert next(x for x in status.splitlines() if x.startswith("crsp_daily")).split()[1:3] == ["-", "-"]
    runs = list(SyncRun.objects.filter(dataset="crsp_monthly").values_list("mode", "job__status", "version"))
    assert sorted(runs) == [("full", "succeeded", "v0001"), ("incremental", "succeeded", "")]


@pytest.mark.django_db
def test_wrds_sync_command_refuses_while_locked_and_force_unlock_names_the_holder(wrds_settings, capsys):
    with domain_lock("warehouse", writer="nightly-sync"):
        with pytest.raises(CommandError, match="Refused: .*nightly-sync"):
            call_command("wrds_sync", "--incremental", "--all")
        with pytest.raises(CommandError, match="holder is alive"):
            call_command("wrds_sync", "--force-unlock")
        assert "nightly-sync" in capsys.readouterr().out
    assert SyncRun.objects.get().outcome == "refused"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])  # a pid that no longer runs
    dead.wait()
    lock = wrds_settings.LOCKS_DIR / "warehouse.lock"
    info = {"domain": "warehouse", "writer": "crashed-sync", "pid": dead.pid, "hostname": socket.gethostname(),
            "token": "t", "acquired": "2026-01-01T00:00:00+00:00", "expires": "2099-01-01T00:00:00+00:00"}  # fmt: skip
    lock.write_text(json.dumps(info))
    call_command("wrds_sync", "--force-unlock")
    out = capsys.readouterr().out
    assert "held by writer 'crashed-sync'" in out and "Removed the lock of writer 'crashed-sync'" in out
    assert not lock.exists()


def test_unknown_dataset_and_missing_selection_are_clear_errors(wrds_settings) -> None:
    with pytest.raises(CommandError, match="--dataset NAME"):
        call_command("wrds_sync", "--full")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("wrds_sync", "--full", "--dataset", "crsp_hourly")


class RejectingSink(ParquetSink):
    """The warehouse's validation rejects the first publish (as ValidationFailed would)."""

    rejections = 1

    def publish(self, dataset, frame, **kwargs):  # type: ignore[no-untyped-def]
        if self.rejections:
            self.rejections -= 1
            raise ValueError(f"validation failed for {dataset}: ret out of range")
        return super().publish(dataset, frame, **kwargs)


@pytest.mark.django_db
def test_rejected_publish_marks_the_checkpoint_failed_and_the_next_run_starts_over(wrds_client, tmp_path):
    sink = RejectingSink(tmp_path / "warehouse")
    manager = make_manager(wrds_client, sink, tmp_path, recorder=OrmRecorder())
    with pytest.raises(ValueError, match="validation failed"):
        manager.full("crsp_monthly")
    (failed,) = ck.checkpoints("crsp_monthly", root=tmp_path / "_sync")
    assert failed.state == ck.FAILED and "ret out of range" in failed.error
    run = SyncRun.objects.get()
    assert run.outcome == "failed" and run.version == "" and "validation failed" in run.job.error
    before = wrds_client.queries
    outcome = manager.full("crsp_monthly")
    assert outcome.resumed_years == [] and outcome.run_id != failed.run_id
    assert wrds_client.queries - before == 1 + 4  # a fresh plan (bounds query) and all four years
    assert outcome.version == "v0001"


def test_a_fiscal_year_change_duplicate_keeps_the_later_fiscal_labelling(fresh_wrds_db, wrds_frames, sink, tmp_path):
    with psycopg2.connect(wrds_standin.dsn(fresh_wrds_db)) as conn, conn.cursor() as cur:
        # the same quarter-end reported again under the previous fiscal year's labelling
        cur.execute(
            "insert into comp.fundq (gvkey, datadate, fyearq, fqtr, indfmt, consol, popsrc, datafmt, rdq, atq) "
            "values ('001002', '2020-06-30', 2019, 4, 'INDL', 'C', 'D', 'STD', '2020-08-01', 1.0)"
        )
    client = WrdsClient(standin_config(fresh_wrds_db))
    try:
        make_manager(client, sink, tmp_path).full("compustat_quarterly")
    finally:
        client.close()
    got = sink.read_current("compustat_quarterly")
    assert got.equals(expected(wrds_frames, "compustat_quarterly"))
    row = got.filter(pl.col("gvkey") == "001002", pl.col("datadate") == dt.date(2020, 6, 30))
    assert row.select("fyearq", "fqtr").rows() == [(2020, 2)]


class CtrlCAfter:
    """A real client whose user presses Ctrl-C during the n-th query."""

    def __init__(self, client: WrdsClient, n: int) -> None:
        self.client, self.n = client, n

    def raw_sql(self, sql, **kwargs):  # type: ignore[no-untyped-def]
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt
        return self.client.raw_sql(sql, **kwargs)


@pytest.mark.django_db
def test_ctrl_c_in_the_command_records_an_interrupted_run_and_resumes(wrds_settings, wrds_frames, monkeypatch):
    import warehouse.syncs.service as service

    real = WrdsClient(standin_config(wrds_settings.WRDS_DBNAME))
    monkeypatch.setattr(service, "get_client", lambda: CtrlCAfter(real, 4))  # bounds, 2018, 2019, then Ctrl-C
    try:
        with pytest.raises(CommandError, match="run the same command again to resume"):
            call_command("wrds_sync", "--full", "--dataset", "crsp_monthly")
        interrupted = SyncRun.objects.get()
        assert interrupted.outcome == "interrupted" and interrupted.checkpoint.endswith("checkpoint.json")
        monkeypatch.setattr(service, "get_client", lambda: real)
        call_command("wrds_sync", "--full", "--dataset", "crsp_monthly")
    finally:
        real.close()
    resumed = SyncRun.objects.order_by("-pk").first()
    assert resumed.outcome == "succeeded" and "resumed 2 year(s)" in resumed.job.log
    assert resumed.rows == wrds_frames["crsp_monthly"].height
