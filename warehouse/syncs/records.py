"""Writes of `SyncRun` rows and their `quant.Job` (kind ``sync``). Syncs report through a `Recorder`
so they also run without a database (e.g. a crash-test subprocess) with `NullRecorder`.

The services run each sync inside ``quant.jobs.runner.job_run`` (claim, heartbeat, cancel checks)
and hand the run handle to `OrmRecorder`, which then records on that job. Used alone (a manager
in a test), `OrmRecorder` creates and claims a job per sync itself, without a heartbeat thread.

Status mapping: a sync refused because another writer holds the ``warehouse`` lock, or interrupted
(Ctrl-C, or found abandoned by a later sync), is a *failed* job whose message starts with
``refused:`` / ``interrupted:`` (``SyncRun.outcome`` reads it back).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, Protocol, TypedDict, Unpack

from django.db import transaction
from django.utils import timezone

from quant import events
from quant.jobs.runner import JobCancelled, JobRun
from quant.jobs.services import Claim, job_claim, job_create, job_finish
from quant.models import Job
from warehouse.models_sync import SyncRun

KIND = "sync"
ABANDONED = "The process died without finishing (found still running by a later sync); a later run resumes."


class SyncOutcome(TypedDict, total=False):
    """What a run records besides its status; a field left out is stored empty (`EMPTY_OUTCOME`)."""

    rows: int | None
    version: str
    error: str
    log: str
    checkpoint: str


EMPTY_OUTCOME: SyncOutcome = {"rows": None, "version": "", "error": "", "log": "", "checkpoint": ""}


class Recorder(Protocol):
    def start(self, *, dataset: str, source: str, mode: str, query_hash: str = "") -> int | None: ...

    def finish(self, run_id: int | None, *, status: str, **outcome: Unpack[SyncOutcome]) -> None: ...

    def close_abandoned(self, *, dataset: str, source: str, current: int | None) -> int: ...


class NullRecorder:
    """Records nothing (no database available)."""

    def start(self, *, dataset: str, source: str, mode: str, query_hash: str = "") -> int | None:
        return None

    def finish(self, run_id: int | None, **fields: object) -> None:
        return None

    def close_abandoned(self, *, dataset: str, source: str, current: int | None) -> int:
        return 0


def sync_job_create(
    *, source: str, datasets: Sequence[str], mode: str, params: dict[str, Any] | None = None,
    requested_by: object = None,
) -> Job:  # fmt: skip
    """A queued ``sync`` job and one `SyncRun` per dataset it syncs (one transaction)."""
    with transaction.atomic():
        job = job_create(
            kind=KIND, label=f"{source}: {', '.join(datasets) or 'all datasets'} ({mode})", requested_by=requested_by,
            params={"source": source, "datasets": list(datasets), "mode": mode, **(params or {})},
        )  # fmt: skip
        SyncRun.objects.bulk_create([SyncRun(job=job, dataset=d, source=source, mode=mode) for d in datasets])
    return job


class OrmRecorder:
    """One `SyncRun` per dataset sync on a ``sync`` job, closed with its outcome.

    With ``run`` (inside ``job_run``) it records on that job: a success adds its log line and leaves
    the job for ``job_run`` to finish with :attr:`message`; any other outcome finishes the job here
    (failed with ``refused:`` / ``interrupted:`` messages, or cancelled). Without ``run`` each
    ``start`` creates and claims a job of its own.
    """

    def __init__(self, run: JobRun | None = None) -> None:
        self.run = run
        self.message = ""
        self._claims: dict[int, Claim] = {}

    def start(self, *, dataset: str, source: str, mode: str, query_hash: str = "") -> int | None:
        if self.run is not None:
            claim = self.run.claim
            sync, _ = SyncRun.objects.update_or_create(
                job_id=claim.job_id,
                dataset=dataset,
                defaults={"source": source, "mode": mode, "query_hash": query_hash},
            )
        else:
            job = sync_job_create(source=source, datasets=[dataset], mode=mode)
            local = job_claim(job_id=job.pk)
            assert local is not None  # a job created just now is queued
            claim = local
            sync = SyncRun.objects.get(job=job)
            SyncRun.objects.filter(pk=sync.pk).update(query_hash=query_hash)
        self._claims[sync.pk] = claim
        return sync.pk

    def finish(self, run_id: int | None, *, status: str, **outcome: Unpack[SyncOutcome]) -> None:
        if run_id is None:
            return
        fields = {**EMPTY_OUTCOME, **outcome}
        error, log = str(fields.pop("error") or ""), str(fields.pop("log") or "")
        SyncRun.objects.filter(pk=run_id).update(**fields)
        claim = self._claims[run_id]
        if status == Job.Status.SUCCEEDED and self.run is not None:
            if log:
                self.run.log(log)
                self.message = log
            return
        finished = sync_job_finish(claim=claim, run=self.run, status=status, error=error, log=log)
        if finished and status not in (Job.Status.CANCELLED, "refused"):
            _announce_sync_failed(run_id, error or status)

    def close_abandoned(self, *, dataset: str, source: str, current: int | None) -> int:
        """Mark the other running sync jobs of ``dataset`` as interrupted; returns how many.

        Call only while holding the ``warehouse`` lock: a WRDS sync downloads under that lock, so a
        job still "running" then belongs to a process that died (SIGKILL, power loss, OOM) without
        closing it. Its checkpoint, if any, is what the current run resumes.
        """
        stale = Job.objects.filter(
            kind=KIND, status=Job.Status.RUNNING, sync_runs__dataset=dataset, sync_runs__source=source
        )
        if current is not None:
            stale = stale.exclude(sync_runs__pk=current)
        return stale.update(
            status=Job.Status.FAILED, message=f"interrupted: {ABANDONED}"[:200], error=ABANDONED,
            finished_at=timezone.now(),
        )  # fmt: skip


def _announce_sync_failed(run_id: int, error: str) -> None:
    """``quant.events.sync_failed`` once committed (alerts raise at once instead of on the next beat)."""

    def send() -> None:
        sync = SyncRun.objects.select_related("job").filter(pk=run_id, job__status=Job.Status.FAILED).first()
        if sync is not None:
            events.sync_failed.send(
                sender=SyncRun, sync_run=sync, dataset=sync.dataset, error=error.splitlines()[0][:200]
            )

    transaction.on_commit(send)


def sync_job_finish(*, claim: Claim, run: JobRun | None, status: str, error: str = "", log: str = "") -> bool:
    """Finish a sync job with a sync outcome (``succeeded``, ``failed``, ``refused``, ``interrupted``);
    False when the job was no longer this claim's."""
    job_status, message = _job_outcome(status, error, log)
    pending = run.take_log() if run is not None else ""
    return job_finish(claim=claim, status=job_status, message=message, error=error,
                      log=pending + (f"{log}\n" if log else ""))  # fmt: skip


def _job_outcome(status: str, error: str, log: str) -> tuple[str, str]:
    """The job status and message of a sync outcome (``refused``/``interrupted`` are failures)."""
    if status == Job.Status.SUCCEEDED:
        return Job.Status.SUCCEEDED, log or "succeeded"
    if isinstance(sys.exception(), JobCancelled):  # the user's cancel stopped the download
        return Job.Status.CANCELLED, "cancelled"
    if status in SyncRun.OUTCOMES:
        return Job.Status.FAILED, f"{status}: {error or status}"
    return Job.Status.FAILED, "failed"
