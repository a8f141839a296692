"""Read side of the sync dashboard: per dataset its source, live version, last successful sync,
last attempt, next scheduled run; the running sync jobs; one job's log and validation reports."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from quant.models import Job
from warehouse import storage
from warehouse.datasets import ALL_DATASETS, TAQ_DATASETS
from warehouse.manifest import ValidationReport
from warehouse.models_sync import SyncRun
from warehouse.sources.wrds.queries import DATASETS as WRDS_DATASETS

FRENCH = ("ff_factors", "ff_industries")
# Which beat schedule refreshes a dataset (warehouse/schedules.py); TAQ Tier 1 is built by taq_build.
SCHEDULE_OF = {**{d: "wrds-incremental-nightly" for d in WRDS_DATASETS}, **{d: "french-weekly" for d in FRENCH}}


@dataclass(frozen=True)
class DatasetSync:
    dataset: str
    source: str | None  # of the live version
    version: int | None
    rows: int | None
    last_success: dt.datetime | None
    last_run: SyncRun | None
    schedule: Any  # PeriodicTask | None
    next_run: dt.datetime | None

    @property
    def trigger_source(self) -> str:
        """The source a manual sync of this dataset uses: the demo if the live data is the demo's."""
        if self.source == "demo":
            return "demo"
        if self.dataset in FRENCH:
            return "kenfrench"
        return "wrds" if self.dataset in WRDS_DATASETS else ""


def next_run(task: Any, now: dt.datetime | None = None) -> dt.datetime | None:
    """When beat fires ``task`` next (None when disabled or not a crontab/interval)."""
    if task is None or not task.enabled:
        return None
    now = now or timezone.now()
    schedule = task.schedule  # celery crontab / schedule, time-zone aware
    due = max(now, (task.last_run_at or now) + schedule.remaining_estimate(task.last_run_at or now))
    # Beat's estimate is taken against its own clock a few microseconds later: round to the minute.
    return (due + dt.timedelta(seconds=30)).replace(second=0, microsecond=0)


def _live(dataset: str) -> tuple[str | None, int | None, int | None]:
    version = storage.current_version(dataset)
    if version is None:
        return None, None, None
    try:
        m = storage.load_manifest(dataset, version)
    except storage.VersionNotFound:
        return None, version, None
    return m.source, version, m.rows


def dataset_syncs() -> list[DatasetSync]:
    """One row per dataset of the contract and TAQ Tier 1 (three queries in all)."""
    names = list(ALL_DATASETS)
    last: dict[str, SyncRun] = {}
    success: dict[str, dt.datetime] = {}
    for run in SyncRun.objects.select_related("job").filter(dataset__in=names).order_by("-pk")[:2000]:
        last.setdefault(run.dataset, run)
        if run.job.status == Job.Status.SUCCEEDED and run.job.finished_at and run.dataset not in success:
            success[run.dataset] = run.job.finished_at
    tasks = {
        t.name: t
        for t in PeriodicTask.objects.select_related("crontab", "interval").filter(name__in=set(SCHEDULE_OF.values()))
    }
    now = timezone.now()
    rows = []
    for name in names:
        source, version, count = _live(name)
        task = tasks.get(SCHEDULE_OF.get(name, ""))
        rows.append(DatasetSync(name, source, version, count, success.get(name), last.get(name), task,
                                None if name in TAQ_DATASETS else next_run(task, now)))  # fmt: skip
    return rows


def running_sync_jobs() -> list[Job]:
    return list(Job.objects.filter(kind="sync", status__in=Job.ACTIVE).order_by("-pk")[:20])


def sync_job(pk: int) -> Job:
    """A ``sync`` job with its SyncRuns (raises Job.DoesNotExist)."""
    return Job.objects.prefetch_related("sync_runs").get(pk=pk, kind="sync")


@dataclass(frozen=True)
class Quarantined:
    dataset: str
    at: dt.datetime
    report: ValidationReport


def validation_reports(job: Job) -> list[Quarantined]:
    """The validation reports of the attempts quarantined while ``job`` ran (a refused publish)."""
    if job.started_at is None:
        return []
    end = job.finished_at or timezone.now()
    datasets = {r.dataset for r in job.sync_runs.all()} or set(ALL_DATASETS)
    found = []
    for dataset in sorted(datasets):
        folder = storage.quarantine_dir() / dataset
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*/validation.json")):
            at = dt.datetime.strptime(path.parent.name, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
            if job.started_at - dt.timedelta(seconds=1) <= at <= end + dt.timedelta(seconds=1):
                found.append(Quarantined(dataset, at, ValidationReport.from_dict(json.loads(path.read_text()))))
    return found


def sync_jobs_of(dataset: str, *, limit: int = 20) -> list[Job]:
    return list(Job.objects.filter(Q(kind="sync") & Q(sync_runs__dataset=dataset)).distinct().order_by("-pk")[:limit])
