"""The sources end to end against the REAL warehouse (publish_dataset, manifests, readers), not a test sink:
WRDS stand-in → `wrds_sync` → warehouse → readers; incremental versions; upstream drift; SIGKILL of a
`manage.py wrds_sync` child and resume; a concurrent sync refused; Ken French import; `fetch_data`."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.support import wrds_standin
from warehouse import readers, storage
from warehouse.models_sync import SyncRun
from warehouse.publish import ValidationFailed
from warehouse.sources.wrds.client import close_all
from warehouse.sources.wrds.convert import SchemaDrift
from warehouse.sources.wrds.queries import DATASETS, dataset_query
from warehouse.syncs import checkpoint as ck
from warehouse.syncs.manager import PAUSE_AFTER_YEAR_ENV

REPO_ROOT = Path(__file__).resolve().parents[3]


def expected(frames: dict[str, pl.DataFrame], dataset: str) -> pl.DataFrame:
    return wrds_standin.expected_after_sync(frames, dataset, dataset_query(dataset).key)


def use_warehouse(settings, data_dir: Path) -> None:
    """Point this process at ``data_dir`` (the layout `config.settings.*` derives from QUANTDESK_DATA_DIR)."""
    settings.WAREHOUSE_DIR, settings.LOCKS_DIR = data_dir / "warehouse", data_dir / "locks"
    if readers._CONNECTION is not None:  # the cached catalog connection belongs to the previous warehouse
        readers._CONNECTION[1].close()
        readers._CONNECTION = None


@pytest.fixture
def real(settings, wh, tmp_path):
    """The real storage (no WAREHOUSE_SINK) under this test's directory; WRDS is the session stand-in."""
    settings.WAREHOUSE_SINK = ""
    settings.CRSP_READERS = ""
    settings.WRDS_USERNAME, settings.WRDS_HOST, settings.WRDS_PORT, settings.WRDS_SSLMODE = (
        "postgres", "127.0.0.1", 5432, "disable",
    )  # fmt: skip
    close_all()
    yield settings
    close_all()
    use_warehouse(settings, tmp_path)  # closes the catalog connection of whichever warehouse was last used


def manifest_files(dataset: str) -> list[tuple[str, str, int]]:
    manifest = storage.load_manifest(dataset, storage.current_version(dataset))
    return [(f.path, f.sha256, f.rows) for f in manifest.files]


@pytest.mark.django_db
def test_full_sync_of_every_dataset_lands_in_the_warehouse_row_for_row(real, wrds_db, wrds_frames, capsys) -> None:
    real.WRDS_DBNAME = wrds_db
    call_command("wrds_sync", "--full", "--all")
    assert f"Summary: {len(DATASETS)} succeeded, 0 failed." in capsys.readouterr().out
    for dataset in DATASETS:
        want = expected(wrds_frames, dataset)
        got = readers.read_dataset(dataset)
        assert got.schema == want.schema and got.equals(want), dataset
        manifest = storage.load_manifest(dataset, 1)
        assert (manifest.source, manifest.rows) == ("wrds", want.height), dataset
        assert manifest.source_query_hash == dataset_query(dataset).query_hash
        assert manifest.validation.passed, dataset
    daily = wrds_frames["crsp_daily"]
    first, last = daily["date"].min(), daily["date"].max()
    assert readers.crsp_daily(first, last).equals(daily.sort("permno", "date"))
    ff = readers.ff_factors("monthly", first, last)
    assert ff.height == 48 and ff.equals(
        wrds_frames["ff_factors"].filter(pl.col("frequency") == "monthly").select(ff.columns)
    )
    assert readers.ticker_to_permno("OLDA", dt.date(2018, 6, 1)) == 10001  # a reused ticker, point in time
    assert readers.ticker_to_permno("OLDA", dt.date(2020, 6, 1)) == 10003
    call_command("warehouse_status", "--format", "json")
    status = {row["dataset"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(status) == set(DATASETS) and all(row["validated"] for row in status.values())
    assert {row["version"] for row in status.values()} == {1}
    runs = SyncRun.objects.filter(source="wrds")
    assert sorted(runs.values_list("dataset", "job__status", "version")) == [
        (d, "succeeded", "1") for d in sorted(DATASETS)
    ]


@pytest.mark.django_db
def test_incremental_sync_publishes_a_new_version_with_the_new_rows(real, fresh_wrds_db, wrds_frames, capsys):
    real.WRDS_DBNAME = fresh_wrds_db
    call_command("wrds_sync", "--full", "--dataset", "crsp_daily")
    with psycopg2.connect(wrds_standin.dsn(fresh_wrds_db)) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into crsp.dsf (permno, date, ret, retx, prc, vol, shrout, cfacpr, cfacshr, bidlo, askhi) "
            "select permno, date + 7, 0.01, 0.009, abs(prc), vol, shrout, cfacpr, cfacshr, bidlo, askhi "
            "from crsp.dsf where date between '2021-12-27' and '2021-12-31'"
        )  # 3-7 January 2022: five NYSE sessions for each of the three permnos
        cur.execute("update crsp.dsf set ret = 0.5 where permno = 10002 and date = '2021-12-29'")  # a revision
    call_command("wrds_sync", "--incremental", "--dataset", "crsp_daily")
    assert "crsp_daily: incremental sync ok — re-fetched" in capsys.readouterr().out
    assert storage.current_version("crsp_daily") == 2
    new = readers.crsp_daily(dt.date(2022, 1, 1), dt.date(2022, 1, 31))
    assert new.height == 15 and new["date"].unique().sort().to_list() == [dt.date(2022, 1, d) for d in range(3, 8)]
    revised = readers.crsp_daily(dt.date(2021, 12, 29), dt.date(2021, 12, 29), permnos=[10002])
    assert revised["ret"].to_list() == [0.5]
    assert readers.read_dataset("crsp_daily").height == wrds_frames["crsp_daily"].height + 15
    assert readers.read_dataset("crsp_daily", version=1).equals(expected(wrds_frames, "crsp_daily"))
    v1, v2 = storage.load_manifest("crsp_daily", 1), storage.load_manifest("crsp_daily", 2)
    assert v2.previous_version == 1 and v2.date_max == "2022-01-07"
    unchanged = {f.year: f.sha256 for f in v1.files if f.year < 2021}
    assert {f.year: f.sha256 for f in v2.files if f.year < 2021} == unchanged  # 2018-2020 files re-used
    call_command("wrds_sync", "--incremental", "--dataset", "crsp_daily")
    assert "up to date" in capsys.readouterr().out and storage.current_version("crsp_daily") == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("alter table crsp.msf drop column retx", SchemaDrift),
        ("alter table crsp.msf alter column ret type text using ret::text", SchemaDrift),
        ("update crsp.msf set ret = -1.5 where permno = 10001 and date = '2020-06-30'", ValidationFailed),
    ],
)
def test_upstream_drift_fails_publishes_nothing_and_keeps_the_current_version(real, fresh_wrds_db, wrds_frames,
                                                                               sql, error) -> None:  # fmt: skip
    real.WRDS_DBNAME = fresh_wrds_db
    call_command("wrds_sync", "--full", "--dataset", "crsp_monthly")
    before = manifest_files("crsp_monthly")
    with psycopg2.connect(wrds_standin.dsn(fresh_wrds_db)) as conn, conn.cursor() as cur:
        cur.execute(sql)
    with pytest.raises(CommandError, match="1 dataset"):
        call_command("wrds_sync", "--full", "--dataset", "crsp_monthly")
    failed = SyncRun.objects.filter(dataset="crsp_monthly").order_by("-pk").first()
    assert failed.outcome == "failed" and failed.job.error.startswith(error.__name__)
    assert storage.list_versions("crsp_monthly") == [1] and manifest_files("crsp_monthly") == before
    assert readers.read_dataset("crsp_monthly").equals(expected(wrds_frames, "crsp_monthly"))
    quarantined = list((storage.quarantine_dir() / "crsp_monthly").glob("*/validation.json"))
    assert len(quarantined) == (1 if error is ValidationFailed else 0)
    if quarantined:
        report = json.loads(quarantined[0].read_text())
        rule = next(r for r in report["rules"] if r["rule"] == "return_gt_minus_one:ret")
        assert not rule["passed"] and rule["failing_rows"] == 1


# --- a real `manage.py wrds_sync` child, SIGKILLed, then resumed -----------------------------------
def child_env(data_dir: Path, wrds_db: str, **extra: str) -> dict[str, str]:
    """The environment of a `manage.py` child on this test's database and on ``data_dir``'s warehouse."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", PAUSE_AFTER_YEAR_ENV)}
    return {
        **env, "DJANGO_SETTINGS_MODULE": "config.settings.local", "QUANTDESK_DATA_DIR": str(data_dir),
        "DATABASE_URL": url, "WRDS_USERNAME": "postgres", "WRDS_HOST": "127.0.0.1", "WRDS_PORT": "5432",
        "WRDS_DBNAME": wrds_db, "WRDS_SSLMODE": "disable", "PYTHONPATH": str(REPO_ROOT), **extra,
    }  # fmt: skip


def manage(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, str(REPO_ROOT / "manage.py"), "wrds_sync", *args]
    return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_pause(child: subprocess.Popen[str]) -> str:
    for line in child.stdout:  # type: ignore[union-attr]
        if line.startswith("PAUSE"):
            return line.strip()
    child.wait(timeout=30)
    raise AssertionError(f"the child finished without pausing: {child.returncode} {child.stderr.read()}")  # type: ignore[union-attr]


def sigkill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("pause", "resumed"),
    [
        ({PAUSE_AFTER_YEAR_ENV: "2019"}, [2018, 2019]),  # mid-download
        ({"QUANTDESK_WAREHOUSE_PAUSE_AT": "staged-file"}, [2018, 2019, 2020, 2021]),  # mid-publish
    ],
    ids=["download", "publish"],
)
def test_sigkill_of_a_full_sync_resumes_to_the_same_warehouse(real, wrds_db, wrds_frames, tmp_path, capsys,
                                                              pause, resumed) -> None:  # fmt: skip
    real.WRDS_DBNAME = wrds_db
    use_warehouse(real, tmp_path / "reference")
    call_command("wrds_sync", "--full", "--dataset", "crsp_daily")
    reference = manifest_files("crsp_daily")
    capsys.readouterr()

    killed_dir = tmp_path / "killed"
    child = manage(child_env(killed_dir, wrds_db, **pause), "--full", "--dataset", "crsp_daily")
    try:
        assert wait_for_pause(child).startswith("PAUSE")
        # While it holds the warehouse lock, a second sync is refused cleanly, with a non-zero exit.
        second = manage(child_env(killed_dir, wrds_db), "--full", "--dataset", "crsp_monthly")
        _, err = second.communicate(timeout=120)
        assert second.returncode == 1 and "Refused:" in err and "wrds_sync:crsp_daily" in err
    finally:
        sigkill(child)
    refused = SyncRun.objects.get(dataset="crsp_monthly")
    assert refused.outcome == "refused" and "wrds_sync:crsp_daily" in refused.job.error

    use_warehouse(real, killed_dir)
    assert storage.current_version("crsp_daily") is None  # nothing was published
    (ckpt,) = ck.checkpoints("crsp_daily")
    assert sorted(int(y) for y in ckpt.chunks) == resumed
    assert (killed_dir / "locks" / "warehouse.lock").exists()  # the dead writer's lock stays behind
    call_command("wrds_sync", "--full", "--dataset", "crsp_daily")
    assert f"resumed years {resumed}" in capsys.readouterr().out
    assert manifest_files("crsp_daily") == reference  # identical files, byte for byte (sha256)
    assert readers.read_dataset("crsp_daily").equals(expected(wrds_frames, "crsp_daily"))
    assert storage.orphans("crsp_daily") == []  # the killed publish's staging debris is gone
    call_command("warehouse_verify")
    runs = sorted(r.outcome for r in SyncRun.objects.select_related("job").filter(dataset="crsp_daily"))
    assert runs == ["interrupted", "succeeded", "succeeded"]  # the killed run was closed by the resumed one
