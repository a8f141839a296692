"""Writes of `SyncRun` rows. Syncs report through a `Recorder` so they also run without a database
(e.g. a crash-test subprocess) with `NullRecorder`."""

from __future__ import annotations

from typing import Protocol, TypedDict, Unpack

from django.utils import timezone

from warehouse.models_sync import SyncRun


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


class OrmRecorder:
    """One `SyncRun` row per sync, created as "running" and closed with its outcome."""

    def start(self, *, dataset: str, source: str, mode: str, query_hash: str = "") -> int | None:
        run = SyncRun.objects.create(
            dataset=dataset, source=source, mode=mode, query_hash=query_hash, started=timezone.now()
        )
        return run.pk

    def finish(self, run_id: int | None, *, status: str, **outcome: Unpack[SyncOutcome]) -> None:
        if run_id is None:
            return
        SyncRun.objects.filter(pk=run_id).update(status=status, **{**EMPTY_OUTCOME, **outcome}, finished=timezone.now())

    def close_abandoned(self, *, dataset: str, source: str, current: int | None) -> int:
        """Mark other "running" runs of ``dataset`` as interrupted; returns how many.

        Call only while holding the ``warehouse`` lock: a WRDS sync downloads under that lock, so a
        run still "running" then belongs to a process that died (SIGKILL, power loss, OOM) without
        closing its row. Its checkpoint, if any, is what the current run resumes.
        """
        stale = SyncRun.objects.filter(dataset=dataset, source=source, status=SyncRun.Status.RUNNING)
        if current is not None:
            stale = stale.exclude(pk=current)
        return stale.update(
            status=SyncRun.Status.INTERRUPTED,
            error="The process died without finishing (found still running by a later sync); a later run resumes.",
            finished=timezone.now(),
        )
