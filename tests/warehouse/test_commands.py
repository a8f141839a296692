"""warehouse_sync / warehouse_status / warehouse_snapshot, the quickstart step and the console page."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import polars as pl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from quant.quickstart import Options
from tests.factories import UserFactory
from warehouse import services, storage
from warehouse.datasets import DATASETS
from warehouse.quickstart import STEPS
from warehouse.selectors import planted_truth

from .conftest import Demo, demo_frames

pytestmark = pytest.mark.django_db  # warehouse_sync records its run as a sync job


@dataclass(frozen=True)
class FakeConfig:
    stocks: int = 500
    years: int = 10
    seed: int = 7

    def hash(self, market_history: str | None = None) -> str:  # what the fake generate stamps
        return f"hash-{self.stocks}-{self.years}-{self.seed}"


@pytest.fixture
def fake_demo(monkeypatch) -> list[FakeConfig]:
    calls: list[FakeConfig] = []

    def generate(config: FakeConfig, progress=None, history=None) -> Demo:
        calls.append(config)
        if progress:
            progress("generate", 0.5)
        planted = {"factor_returns": pl.DataFrame({"date": [1, 2], "mkt": [0.01, -0.02]})}
        return Demo(demo_frames(seed=config.seed), planted, config.hash())

    monkeypatch.setattr(services, "DemoConfig", FakeConfig)
    monkeypatch.setattr(services, "generate_demo", generate)
    return calls


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_sync_publishes_every_dataset_and_is_idempotent(wh, fake_demo) -> None:
    out = _run("warehouse_sync", "--source", "demo", "--stocks", "4", "--years", "1", "--seed", "3")
    assert "Published 9 datasets" in out and "crsp_daily" in out
    assert {name: storage.current_version(name) for name in DATASETS} == dict.fromkeys(DATASETS, 1)
    manifest = storage.load_manifest("crsp_daily", 1)
    assert (manifest.source, manifest.source_query_hash) == ("demo", "hash-4-1-3")
    planted = pl.read_parquet(wh / "_planted" / "hash-4-1-3" / "factor_returns.parquet")
    assert planted["mkt"].to_list() == [0.01, -0.02]
    assert planted_truth("factor_returns").equals(planted)
    with pytest.raises(FileNotFoundError, match="No planted table 'nope'"):
        planted_truth("nope")
    again = _run("warehouse_sync", "--source", "demo", "--stocks", "4", "--years", "1", "--seed", "3")
    assert "nothing to do" in again and len(fake_demo) == 1
    forced = _run("warehouse_sync", "--source", "demo", "--stocks", "4", "--years", "1", "--seed", "3", "--force")
    assert "Published" in forced and storage.current_version("crsp_daily") == 2
    # identical content: every partition of the new version is a hard link to the old one
    assert "0 files written, 2 unchanged (linked)" in forced
    _run("warehouse_sync", "--source", "demo", "--stocks", "4", "--years", "1", "--seed", "4")
    assert len(fake_demo) == 3


def test_each_demo_sync_is_a_job_with_a_run_per_published_dataset(wh, fake_demo) -> None:
    from quant.jobs.services import job_retry
    from quant.models import Job
    from warehouse.models import SyncRun
    from warehouse.syncs.service import sync_job_execute

    _run("warehouse_sync", "--source", "demo", "--stocks", "4", "--years", "1", "--seed", "3")
    _run("warehouse_sync", "--source", "demo", "--stocks", "4", "--years", "1", "--seed", "3")
    built, skipped = Job.objects.filter(kind="sync").order_by("pk")
    assert (built.status, built.progress, built.params["source"], built.params["stocks"]) == (
        "succeeded",
        1.0,
        "demo",
        4,
    )
    assert built.message.startswith("Published 9 datasets") and skipped.message.startswith("The warehouse already")
    runs = SyncRun.objects.filter(job=built)
    assert sorted(runs.values_list("dataset", flat=True)) == sorted(DATASETS) and not skipped.sync_runs.exists()
    assert runs.get(dataset="crsp_daily").rows == 324 and runs.get(dataset="crsp_daily").version == "1"
    Job.objects.filter(pk=skipped.pk).update(status="failed")  # e.g. a lost worker: retried from its params
    retried = job_retry(job=skipped)
    assert retried.status == "queued"
    assert sync_job_execute(job_id=skipped.pk) == "succeeded" and len(fake_demo) == 1  # still up to date


def test_status_table_and_json(wh, fake_demo) -> None:
    assert "warehouse_sync --source demo" in _run("warehouse_status")
    _run("warehouse_sync", "--source", "demo")
    _run("warehouse_snapshot", "create", "release-1")
    table = _run("warehouse_status")
    assert "crsp_daily" in table and "release-1=v1" in table
    rows = json.loads(_run("warehouse_status", "--format", "json"))
    daily = next(r for r in rows if r["dataset"] == "crsp_daily")
    assert (daily["version"], daily["rows"], daily["validated"]) == (1, 324, True)
    assert daily["date_min"] == "2019-11-01" and daily["tags"] == {"release-1": 1}


@pytest.mark.django_db
def test_snapshot_tag_list_diff_and_gc(wh, fake_demo) -> None:
    _run("warehouse_sync", "--source", "demo")
    _run("warehouse_sync", "--source", "demo", "--seed", "8")
    _run("warehouse_sync", "--source", "demo", "--seed", "9")
    assert "crsp_daily v1 tagged 'old'" in _run("warehouse_snapshot", "tag", "crsp_daily", "1", "old")
    listing = _run("warehouse_snapshot", "list", "crsp_daily")
    assert "v1" in listing and "tag old" in listing and "[current]" in listing and "unreferenced" in listing
    diff = _run("warehouse_snapshot", "diff", "crsp_daily", "old", "2")
    assert "v1 -> v2" in diff and "324 changed" in diff.replace("~", "")
    with pytest.raises(CommandError, match="tag old"):
        _run("warehouse_snapshot", "gc", "crsp_daily", "--version", "1")
    gc = _run("warehouse_snapshot", "gc", "crsp_daily")
    assert "deleted ['v2']" in gc
    assert storage.list_versions("crsp_daily") == [1, 3]
    with pytest.raises(CommandError, match="Unknown dataset"):
        _run("warehouse_snapshot", "list", "nope")


def test_quickstart_step_builds_once(wh, fake_demo) -> None:
    assert [(s.name, s.order) for s in STEPS] == [("Build the demo warehouse", 20)]  # schedules: quant step 25
    out = io.StringIO()
    opts = Options(stdout=out, demo_stocks=4, demo_years=1, seed=7)
    STEPS[0].run(opts)
    STEPS[0].run(opts)
    assert len(fake_demo) == 1 and "nothing to do" in out.getvalue()


@pytest.mark.django_db
def test_status_page_shows_empty_state_then_the_datasets(wh, fake_demo, client, django_user_model) -> None:
    client.force_login(UserFactory(username="ana", role="viewer"))
    url = reverse("warehouse:status")
    assert url == "/warehouse/"
    empty = client.get(url).content.decode()
    assert "python manage.py warehouse_sync --source demo" in empty and "warehouse-datasets" not in empty
    _run("warehouse_sync", "--source", "demo")
    page = client.get(url).content.decode()
    assert 'id="warehouse-datasets"' in page and "crsp_daily" in page and "324" in page


@pytest.mark.django_db
def test_status_page_requires_login(client) -> None:
    assert client.get("/warehouse/").status_code == 302


def test_a_sync_that_fails_validation_exits_non_zero_and_status_shows_the_rejection(wh, fake_demo, monkeypatch) -> None:
    _run("warehouse_sync", "--source", "demo")
    good_generate = services.generate_demo

    def bad_generate(config, progress=None, history=None):
        out = good_generate(config, progress, history)
        out.datasets["crsp_daily"] = out.datasets["crsp_daily"].with_columns(pl.lit(0.0).alias("prc"))
        # the bad dataset comes last: nothing before it may be published (no half-synced warehouse)
        out.datasets["crsp_daily"] = out.datasets.pop("crsp_daily")
        return out

    monkeypatch.setattr(services, "generate_demo", bad_generate)
    with pytest.raises(CommandError, match=r"price_nonzero:prc \(324 rows"):
        _run("warehouse_sync", "--source", "demo", "--seed", "8")
    assert {name: storage.current_version(name) for name in DATASETS} == dict.fromkeys(DATASETS, 1)
    rows = json.loads(_run("warehouse_status", "--format", "json"))
    daily = next(r for r in rows if r["dataset"] == "crsp_daily")
    assert daily["validated"] is True and "price_nonzero:prc (324 rows" in daily["last_rejected"]
    assert "last attempt rejected" in _run("warehouse_status")
